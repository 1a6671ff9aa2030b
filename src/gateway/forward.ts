import { ErrorCode, McpError, ResultSchema, type Result } from '@modelcontextprotocol/sdk/types.js';
import type { Clock } from '../clock.js';
import { passOn } from './errors.js';
import { replicaLabel } from '../logs/event.js';
import type { Upstream } from '../server/upstream.js';
import type { Replica } from '../supervisor/replica.js';
import type { CallContext, DownstreamSession } from './downstream.js';
import type { ReadyReplica } from './members.js';

/**
 * How long a forwarded request may take upstream. Long on purpose: the client has its own timeout
 * and cancels (which aborts the upstream request); a shorter one here would end long tools at the
 * gateway with a confusing -32001. Progress resets it.
 */
export const UPSTREAM_TIMEOUT_MS = 30 * 60_000;

/** A forwarded request as the gateway logs it. */
export interface CallRecord {
  session: string;
  server: string;
  replica: number;
  method: string;
  name: string;
  durationMs: number;
  outcome: 'ok' | 'error' | 'cancelled' | 'lost' | 'retried';
  error?: string;
}

export interface ForwardDeps {
  clock: Clock;
  /** A replica for the next call of `session` to `server`, or why there is none. */
  pick(
    session: DownstreamSession,
    server: string,
    exclude: ReadonlySet<Replica>,
  ): Promise<ReadyReplica | { unavailable: string }>;
  /** Calls in flight per instance and session: where a server's requests for its client go. */
  track(upstream: Upstream, session: DownstreamSession, call: CallContext): () => void;
  /** Aborted when the instance ends: its calls fail at once, not at a timeout. */
  lost(upstream: Upstream): AbortSignal;
  /**
   * The connection to this instance failed under a call (a reset socket, a broken pipe): it takes
   * no new calls until it answers again, as its process may be dying before its exit is known.
   */
  suspect(upstream: Upstream): void;
  record(call: CallRecord): void;
}

/** The call could not reach any instance of the server: the reason, for the client. */
export class Unavailable extends Error {}

/**
 * Sends one request of a downstream session to a replica of `server` and returns its result as the
 * server sent it (validated loosely: a transparent proxy must not reject what the client would take).
 * The caller's cancellation aborts the upstream request (the SDK then sends notifications/cancelled
 * with the upstream id); progress comes back with the caller's own token. If the replica ends under
 * the call, a `retryable` call (a tool annotated readOnlyHint or idempotentHint) runs once more on
 * another ready replica; anything else fails at once with Unavailable.
 */
export async function forward(
  deps: ForwardDeps,
  session: DownstreamSession,
  server: string,
  request: { method: string; params?: Record<string, unknown> | undefined },
  call: CallContext,
  options: { name: string; retryable: boolean },
): Promise<Result> {
  const tried = new Set<Replica>();
  for (;;) {
    const target = await deps.pick(session, server, tried);
    if ('unavailable' in target) throw new Unavailable(target.unavailable);
    const { replica, upstream } = target;
    tried.add(replica);
    const instance = replica.current;
    const done = instance?.calls?.begin() ?? (() => undefined);
    const untrack = deps.track(upstream, session, call);
    const started = deps.clock.now();
    const record = (outcome: CallRecord['outcome'], error?: string): void =>
      deps.record({
        session: session.id ?? '?',
        server,
        replica: replica.replica,
        method: request.method,
        name: options.name,
        durationMs: Math.round(deps.clock.now() - started),
        outcome,
        ...(error === undefined ? {} : { error }),
      });
    const token = progressToken(request.params);
    const lost = deps.lost(upstream);
    const { signal, release } = either(call.signal, lost);
    try {
      const result = await upstream.client.request(
        { method: request.method, params: withoutProgressToken(request.params) },
        ResultSchema,
        {
          signal,
          timeout: UPSTREAM_TIMEOUT_MS,
          resetTimeoutOnProgress: true,
          ...(token === undefined
            ? {}
            : {
                // The SDK put its own token upstream; the caller knows only its own.
                onprogress: (progress) =>
                  void call
                    .sendNotification({
                      method: 'notifications/progress',
                      params: { ...progress, progressToken: token },
                    })
                    .catch(() => undefined),
              }),
        },
      );
      instance?.calls?.markAnswered();
      record('ok');
      return result;
    } catch (error) {
      if (call.signal.aborted) {
        record('cancelled');
        throw error;
      }
      // An instance that ended aborts the call through `lost`, which the SDK reports as an
      // McpError of its own (RequestTimeout): that is a lost call, not the server's answer. Over
      // HTTP it is the only sign, as the SDK waits to resume a broken response stream.
      if (!lost.aborted && error instanceof McpError && answeredByServer(error)) {
        if (error.code !== (ErrorCode.RequestTimeout as number)) instance?.calls?.markAnswered();
        record('error', errorText(error));
        throw passOn(error);
      }
      deps.suspect(upstream);
      const why = `${replicaLabel(server, replica.replica, 2)} ended while the call was in flight (${lostReason(instance, error)})`;
      // Once: a second replica ending under the same call says something is wrong with the call.
      if (options.retryable && tried.size === 1) {
        record('retried', why);
        continue;
      }
      record('lost', why);
      throw new Unavailable(why);
    } finally {
      release();
      untrack();
      done();
    }
  }
}

/**
 * A signal aborted when either of two is, and a release that forgets them both. AbortSignal.any
 * keeps weak references and a registry per composite: measurable per call on the gateway's hot
 * path (bench/gateway.js), where one listener on each suffices.
 */
function either(a: AbortSignal, b: AbortSignal): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  if (a.aborted || b.aborted) {
    controller.abort(a.aborted ? a.reason : b.reason);
    return { signal: controller.signal, release: () => undefined };
  }
  const onA = (): void => controller.abort(a.reason);
  const onB = (): void => controller.abort(b.reason);
  a.addEventListener('abort', onA, { once: true });
  b.addEventListener('abort', onB, { once: true });
  return {
    signal: controller.signal,
    release: () => {
      a.removeEventListener('abort', onA);
      b.removeEventListener('abort', onB);
    },
  };
}

/** A JSON-RPC error the server sent (pass it on), not the connection failing under the call. */
function answeredByServer(error: McpError): boolean {
  return error.code !== (ErrorCode.ConnectionClosed as number);
}

function lostReason(
  instance: { exitReason: string | undefined } | undefined,
  error: unknown,
): string {
  return instance?.exitReason ?? errorText(error);
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function progressToken(params: Record<string, unknown> | undefined): string | number | undefined {
  const meta = params?._meta as { progressToken?: unknown } | undefined;
  const token = meta?.progressToken;
  return typeof token === 'string' || typeof token === 'number' ? token : undefined;
}

/** The caller's progress token is its own; the SDK sets the upstream one (when it is asked to). */
function withoutProgressToken(
  params: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  const meta = params?._meta as Record<string, unknown> | undefined;
  if (params === undefined || meta === undefined || !('progressToken' in meta)) return params;
  const { progressToken: _, ...rest } = meta;
  return { ...params, _meta: rest };
}
