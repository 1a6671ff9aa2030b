import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { LoggingMessageNotification } from '@modelcontextprotocol/sdk/types.js';
import { type Clock, systemClock } from '../clock.js';
import type { RawSurface } from './surface.js';

/**
 * Calls the gateway has forwarded to one instance: how many are in flight (what least-outstanding
 * balancing reads, and what a reload's old instance waits for before it stops) and how many ended.
 */
export class CallCounter {
  #inFlight = 0;
  #served = 0;
  #answered = 0;
  readonly #idle = new Set<() => void>();

  constructor(private readonly clock: Clock = systemClock) {}

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Calls the instance answered (a result or its own error): proof of life for its health check. */
  get answered(): number {
    return this.#answered;
  }

  markAnswered(): void {
    this.#answered++;
  }

  /** Counts a call in; the function returned counts it out (once, however often it is called). */
  begin(): () => void {
    this.#inFlight++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.#inFlight--;
      this.#served++;
      if (this.#inFlight === 0) for (const resolve of [...this.#idle]) resolve();
    };
  }

  /** Resolves once no call is in flight, or after `timeoutMs`. */
  drained(timeoutMs: number): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.clock.clearTimeout(timer);
        this.#idle.delete(done);
        resolve();
      };
      const timer = this.clock.setTimeout(done, timeoutMs);
      this.#idle.add(done);
    });
  }

  snapshot(): { inFlight: number; served: number } {
    return { inFlight: this.#inFlight, served: this.#served };
  }
}

/** Where a server's requests and notifications for its client go once the gateway serves it. */
export interface UpstreamPeer {
  /** sampling/createMessage, elicitation/create, roots/list: answered by a downstream client. */
  request(
    request: { method: string; params?: Record<string, unknown> | undefined },
    signal: AbortSignal,
  ): Promise<Record<string, unknown>>;
  /** notifications/message, for the downstream sessions that asked for logs. */
  log(params: LoggingMessageNotification['params']): void;
  /** notifications/resources/updated, for the sessions subscribed to `uri`. */
  resourceUpdated(uri: string): void;
}

/** One instance as the gateway forwards to it: its MCP client and what it lists, as sent. */
export interface Upstream {
  readonly client: Client;
  readonly raw: RawSurface;
  /** How its process ended ("exited with code 1"), once it has; never for a `url` server. */
  readonly exitReason: string | undefined;
  /** Set by the gateway; until then the server's requests for its client get an error. */
  peer: UpstreamPeer | undefined;
}
