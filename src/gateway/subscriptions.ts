import { McpError, ResultSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Upstream } from '../server/upstream.js';
import type { DownstreamSession } from './downstream.js';
import { passOn } from './errors.js';
import { errorText } from './forward.js';
import type { ReadyReplica } from './members.js';

interface Subscription {
  server: string;
  uri: string;
  /** Each subscribed session, with the URI it knows (rewritten when two servers list it). */
  sessions: Map<DownstreamSession, string>;
  upstream: Upstream | undefined;
}

export interface SubscriptionDeps {
  /** The ready replicas of a server, now. */
  ready(server: string): ReadyReplica[];
  /** Thrown when a server has no ready replica to subscribe on (the caller's Unavailable). */
  unavailable(server: string): Error;
  warn(message: string): void;
}

/**
 * resources/subscribe through the gateway: one upstream subscription per (server, URI), however
 * many sessions hold it (released when the last lets go), moved to another instance when the one
 * holding it goes (reload, restart); `notifications/resources/updated` only to the sessions that
 * subscribed, since telling everyone would tell each client what the others watch.
 */
export class Subscriptions {
  readonly #all = new Map<string, Subscription>();

  constructor(private readonly deps: SubscriptionDeps) {}

  async subscribe(
    session: DownstreamSession,
    server: string,
    uri: string,
    as: string,
  ): Promise<void> {
    const key = `${server}\n${uri}`;
    let subscription = this.#all.get(key);
    if (subscription === undefined) {
      subscription = { server, uri, sessions: new Map(), upstream: undefined };
      this.#all.set(key, subscription);
    }
    subscription.sessions.set(session, as);
    if (subscription.upstream === undefined)
      await this.#upstream(subscription).catch((error: unknown) => {
        // Refused (a server without subscriptions): nothing is held, so asking again asks again.
        subscription.upstream = undefined;
        subscription.sessions.delete(session);
        if (subscription.sessions.size === 0) this.#all.delete(key);
        throw error instanceof McpError ? passOn(error) : error;
      });
  }

  async unsubscribe(session: DownstreamSession, server: string, uri: string): Promise<void> {
    const key = `${server}\n${uri}`;
    const subscription = this.#all.get(key);
    if (subscription === undefined) return;
    subscription.sessions.delete(session);
    if (subscription.sessions.size > 0) return;
    this.#all.delete(key);
    await subscription.upstream?.client
      .request({ method: 'resources/unsubscribe', params: { uri } }, ResultSchema)
      .catch(() => undefined);
  }

  /** Everything a session that ended held. */
  async release(session: DownstreamSession): Promise<void> {
    for (const subscription of [...this.#all.values()])
      if (subscription.sessions.has(session))
        await this.unsubscribe(session, subscription.server, subscription.uri);
  }

  /** After a reload or restart, subscriptions held by an instance that is gone move to a ready one. */
  async follow(): Promise<void> {
    for (const subscription of this.#all.values()) {
      const ready = this.deps.ready(subscription.server);
      if (ready.some((r) => r.upstream === subscription.upstream) || ready.length === 0) continue;
      await this.#upstream(subscription).catch((error: unknown) =>
        this.deps.warn(
          `could not subscribe to ${subscription.uri} on ${subscription.server} again: ${errorText(error)}`,
        ),
      );
    }
  }

  /** A server said `uri` changed: the sessions subscribed to it hear of it, by the URI they know. */
  updated(server: string, uri: string): void {
    const subscription = this.#all.get(`${server}\n${uri}`);
    for (const [session, as] of subscription?.sessions ?? [])
      void session.server.sendResourceUpdated({ uri: as }).catch(() => undefined);
  }

  /** Subscribes on a ready replica of the server (the first). */
  async #upstream(subscription: Subscription): Promise<void> {
    const first = this.deps.ready(subscription.server)[0];
    if (first === undefined) {
      subscription.upstream = undefined;
      throw this.deps.unavailable(subscription.server);
    }
    subscription.upstream = first.upstream;
    await first.upstream.client.request(
      { method: 'resources/subscribe', params: { uri: subscription.uri } },
      ResultSchema,
    );
  }
}
