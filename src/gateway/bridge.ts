/**
 * `mcpx connect`: a stdio MCP server that is a raw message pump to the gateway of `mcpx dev`, for
 * clients that can only launch commands. Messages pass through as they are (ids 1:1); the bridge
 * only steps in when the gateway is not there:
 *
 * - It keeps the client's `initialize` and `initialized`. When the gateway goes away (nothing
 *   listens) or forgets the session (404: a new `mcpx dev`), it reconnects with a capped backoff,
 *   replays both under its own id, and tells the client `list_changed`: the client keeps its
 *   session across restarts of `mcpx dev`.
 * - Requests meanwhile wait for the gateway up to `waitMs`, then get an error saying how to start
 *   it; requests in flight when the gateway died get an error at once (they will not be answered).
 * - With no gateway at the start, it answers `initialize` itself, lists nothing, and says in its
 *   instructions and on stderr how to start one.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Readable, Writable } from 'node:stream';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { JSONRPCMessage, JSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';
import { isMcpxError } from '../errors.js';
import {
  EMPTY_LISTS,
  NoEndpoint,
  NotRunning,
  type Problem,
  absentMessage,
  localInitializeResult,
  problemOf,
} from './bridge-absent.js';
import { type GatewayTarget, endpointFor } from './locate.js';
import { upstreamFailure } from './upstream-failure.js';
import { watchingFetch } from './watching-fetch.js';

export interface BridgeOptions {
  /** The workspace root, for messages. */
  root: string;
  /** Only these servers (`--server`); empty for the whole aggregate. */
  servers: readonly string[];
  /** Where the gateway is now; asked again before every connection attempt. */
  locate: () => Promise<GatewayTarget>;
  /** One line of the bridge's own on stderr (stdout is the protocol). */
  log: (line: string) => void;
  /** mcpx's version, for the `serverInfo` of a locally answered initialize. */
  version: string;
  input?: Readable;
  output?: Writable;
  /**
   * How long a request waits for an absent gateway before it gets an error. 30 s: a restart of
   * `mcpx dev` takes seconds, and the answer must come before the client gives up by itself (the
   * SDK's default request timeout is 60 s), so that it shows our message rather than a timeout.
   */
  waitMs?: number;
  /** Longest pause between connection attempts. */
  maxBackoffMs?: number;
}

/** JSON-RPC error code for "the gateway is not there" (implementation-defined server error). */
export const GATEWAY_ABSENT = -32000;

type Phase = 'idle' | 'connecting' | 'up' | 'away' | 'closed';

interface Upstream {
  transport: StreamableHTTPClientTransport;
  url: URL;
}

interface Waiting {
  message: JSONRPCRequest;
  timer: NodeJS.Timeout;
}

interface Expected {
  resolve: (message: JSONRPCMessage) => void;
  reject: (error: Error) => void;
}

const LIST_CHANGED = [
  'notifications/tools/list_changed',
  'notifications/prompts/list_changed',
  'notifications/resources/list_changed',
];

/** Runs the bridge until the client closes stdin. */
export async function runBridge(options: BridgeOptions): Promise<void> {
  await new Bridge(options).run();
}

class Bridge {
  private readonly downstream: StdioServerTransport;
  private readonly input: Readable;
  private readonly waitMs: number;
  private readonly maxBackoffMs: number;
  private readonly closing = new AbortController();
  private phase: Phase = 'idle';
  /** Whether the client got the gateway's own initialize answer (else ours, with empty lists). */
  private everConnected = false;
  private upstream: Upstream | undefined;
  private initialize: JSONRPCRequest | undefined;
  private initialized: JSONRPCMessage | undefined;
  /**
   * Client requests sent to the current upstream and not answered yet, by id; `delivered` once the
   * gateway has accepted the POST that carried it (before that, a failure means it never arrived).
   */
  private readonly inFlight = new Map<string, { message: JSONRPCRequest; delivered: boolean }>();
  private readonly waiting = new Map<string, Waiting>();
  /** The bridge's own requests upstream (replayed initialize, pings), by id. */
  private readonly expected = new Map<string, Expected>();
  private sequence = 0;
  private probing = false;
  /** Why the gateway is not reachable now, and what to do about it. */
  private problem: Problem | undefined;

  constructor(private readonly options: BridgeOptions) {
    this.input = options.input ?? process.stdin;
    this.downstream = new StdioServerTransport(this.input, options.output ?? process.stdout);
    this.waitMs = options.waitMs ?? 30_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 2000;
  }

  async run(): Promise<void> {
    const ended = new Promise<void>((resolve) => {
      // StdioServerTransport does not watch for the end of stdin: that is the client leaving.
      this.input.once('end', resolve);
      this.input.once('close', resolve);
    });
    this.downstream.onmessage = (message) => this.fromClient(message);
    this.downstream.onerror = (error) => this.options.log(`mcpx connect: ${error.message}`);
    await this.downstream.start();
    await ended;
    await this.close();
  }

  private fromClient(message: JSONRPCMessage): void {
    if ('method' in message && 'id' in message) {
      if (message.method === 'initialize') {
        this.initialize = message;
        void this.firstConnect(message);
      } else this.request(message);
    } else if ('method' in message) {
      if (message.method === 'notifications/initialized') this.initialized = message;
      if (message.method === 'notifications/cancelled') this.cancelWaiting(message.params);
      if (this.phase === 'up') void this.send(message);
    } else if (this.phase === 'up') {
      // An answer to a request of the gateway (sampling, elicitation, roots).
      void this.send(message);
    }
  }

  private request(message: JSONRPCRequest): void {
    if (this.phase === 'up') {
      void this.send(message);
      return;
    }
    if (this.phase === 'away' && this.answerLocally(message)) return;
    this.wait(message);
  }

  /**
   * What the bridge answers itself while the gateway is away: ping, and until the client has once
   * reached the gateway, empty lists.
   */
  private answerLocally(message: JSONRPCRequest): boolean {
    const local =
      message.method === 'ping' ? {} : this.everConnected ? undefined : EMPTY_LISTS[message.method];
    if (local === undefined) return false;
    void this.downstream.send({ jsonrpc: '2.0', id: message.id, result: local });
    return true;
  }

  /** Keeps a request for when the gateway is back, answering an error if that takes too long. */
  private wait(message: JSONRPCRequest): void {
    const key = keyOf(message.id);
    const timer = setTimeout(() => {
      this.waiting.delete(key);
      this.answerError(message, this.absentMessage());
    }, this.waitMs);
    this.waiting.set(key, { message, timer });
  }

  private cancelWaiting(params: unknown): void {
    const id = (params as { requestId?: unknown } | undefined)?.requestId;
    if (typeof id !== 'string' && typeof id !== 'number') return;
    const waiting = this.waiting.get(keyOf(id));
    if (waiting === undefined) return;
    clearTimeout(waiting.timer);
    this.waiting.delete(keyOf(id));
  }

  /** The client's initialize: open a session with the gateway, or answer it here if it is absent. */
  private async firstConnect(message: JSONRPCRequest): Promise<void> {
    if (this.phase !== 'idle') {
      // A second initialize on one stdio connection is the client's mistake; the gateway judges it.
      this.request(message);
      return;
    }
    this.phase = 'connecting';
    try {
      const answer = await this.open();
      this.everConnected = true;
      await this.downstream.send({ ...answer, id: message.id } as JSONRPCMessage);
      this.connected();
    } catch (error) {
      if (this.isClosed()) return;
      this.problem = problemOf(error, this.options.root);
      await this.downstream.send({
        jsonrpc: '2.0',
        id: message.id,
        result: localInitializeResult(message, this.options.version, this.absentMessage()),
      });
      this.options.log(`mcpx connect: ${this.absentMessage()}`);
      this.phase = 'away';
      for (const [key, waiting] of this.waiting) {
        if (!this.answerLocally(waiting.message)) continue;
        clearTimeout(waiting.timer);
        this.waiting.delete(key);
      }
      void this.reconnect();
    }
  }

  private absentMessage(): string {
    return absentMessage(this.problem ?? problemOf(undefined, this.options.root));
  }

  /** Tries connecting with a capped backoff until it works or the client leaves. */
  private async reconnect(): Promise<void> {
    let delay = 100;
    let lastLogged = this.problem?.reason;
    while (this.phase === 'away') {
      try {
        await sleep(delay, undefined, { signal: this.closing.signal });
      } catch {
        return;
      }
      delay = Math.min(delay * 2, this.maxBackoffMs);
      try {
        await this.open();
      } catch (error) {
        this.problem = problemOf(error, this.options.root);
        if (this.problem.reason !== lastLogged) {
          this.options.log(`mcpx connect: still waiting: ${this.absentMessage()}`);
          lastLogged = this.problem.reason;
        }
        continue;
      }
      if (this.phase !== 'away') return;
      if (this.initialized !== undefined) await this.send(this.initialized);
      for (const method of LIST_CHANGED) await this.downstream.send({ jsonrpc: '2.0', method });
      this.connected();
    }
  }

  private connected(): void {
    this.phase = 'up';
    this.problem = undefined;
    this.options.log(`mcpx connect: connected to ${this.upstream?.url.href ?? 'the gateway'}`);
    for (const [key, { message, timer }] of this.waiting) {
      clearTimeout(timer);
      this.waiting.delete(key);
      void this.send(message);
    }
  }

  /**
   * A new session with the gateway: the client's initialize under the bridge's own id (so it
   * cannot collide with the client's later ids). Resolves with the gateway's answer; on success it
   * is the current upstream.
   */
  private async open(): Promise<JSONRPCMessage> {
    const initialize = this.initialize;
    if (initialize === undefined) throw new Error('no initialize to replay');
    const target = await this.options.locate();
    const url = endpointFor(target.url, this.options.servers);
    const headers: Record<string, string> =
      target.token === undefined ? {} : { authorization: `Bearer ${target.token}` };
    const transport = new StreamableHTTPClientTransport(url, {
      requestInit: { headers },
      fetch: this.watchingFetch,
    });
    transport.onmessage = (message) => this.fromGateway(transport, message);
    transport.onerror = () => void this.probe(transport);
    await transport.start();
    let answer: JSONRPCMessage;
    try {
      answer = await this.ask(transport, initialize);
    } catch (error) {
      await transport.close().catch(() => {});
      const failure = upstreamFailure(error);
      if (!target.running && failure.kind === 'absent') throw new NotRunning();
      if (failure.kind === 'session') {
        throw new NoEndpoint(`the gateway has no endpoint ${url.href}${failure.said ?? ''}`);
      }
      throw error;
    }
    if ('error' in answer) {
      await transport.close().catch(() => {});
      throw new Error(`the gateway refused initialize: ${answer.error.message}`);
    }
    const result = (answer as { result: { protocolVersion?: unknown } }).result;
    if (typeof result.protocolVersion === 'string') {
      transport.setProtocolVersion(result.protocolVersion);
    }
    if (this.isClosed()) {
      await transport.close().catch(() => {});
      throw new Error('closed');
    }
    this.upstream = { transport, url };
    return answer;
  }

  /** Sends a request of the bridge's own and waits (bounded) for its answer. */
  private async ask(
    transport: StreamableHTTPClientTransport,
    request: JSONRPCRequest,
    timeoutMs = 10_000,
  ): Promise<JSONRPCMessage> {
    const id = `mcpx-connect-${++this.sequence}`;
    const answer = new Promise<JSONRPCMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.expected.delete(id);
        reject(new Error(`the gateway did not answer ${request.method} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.expected.set(id, {
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });
    // The client may leave while the send is still under way, and close() rejects the answer then:
    // that must not count as an unhandled rejection before the caller gets to await it.
    answer.catch(() => {});
    try {
      await transport.send({ ...request, id });
    } catch (error) {
      this.expected.get(id)?.reject(error as Error);
      this.expected.delete(id);
    }
    return answer;
  }

  private fromGateway(transport: StreamableHTTPClientTransport, message: JSONRPCMessage): void {
    if (
      !('method' in message) &&
      'id' in message &&
      message.id !== undefined &&
      message.id !== null
    ) {
      const own = this.expected.get(String(message.id));
      if (own !== undefined && typeof message.id === 'string') {
        this.expected.delete(message.id);
        own.resolve(message);
        return;
      }
      if (transport !== this.upstream?.transport) return;
      const key = keyOf(message.id);
      // Answered already: the bridge gave up on it when the stream it was on broke.
      if (!this.inFlight.delete(key)) return;
    } else if (transport !== this.upstream?.transport) return;
    void this.downstream.send(message);
  }

  /** Sends a client message to the current upstream, and deals with the gateway not being there. */
  private async send(message: JSONRPCMessage): Promise<void> {
    const upstream = this.upstream;
    if (upstream === undefined) return;
    const isRequest = 'method' in message && 'id' in message;
    const key = isRequest ? keyOf(message.id) : undefined;
    if (isRequest && key !== undefined) this.inFlight.set(key, { message, delivered: false });
    try {
      await upstream.transport.send(message);
    } catch (error) {
      const failure = upstreamFailure(error);
      const entry = key === undefined ? undefined : this.inFlight.get(key);
      if (isRequest && key !== undefined) {
        // Answered already: the bridge gave up on it with the rest in flight.
        if (entry === undefined) return;
        this.inFlight.delete(key);
      }
      const undelivered =
        failure.kind === 'absent' ||
        failure.kind === 'session' ||
        (entry?.delivered === false && upstream !== this.upstream);
      if (undelivered) {
        // It never reached a session: it can go again once there is one.
        if (isRequest) this.resend(message);
        this.lost(upstream, failure.reason);
      } else {
        if (isRequest) this.answerError(message, `mcpx connect: ${failure.reason}`);
        if (failure.kind === 'broken') this.lost(upstream, failure.reason);
      }
    }
  }

  /** A request that never reached the gateway: sent again now, or when it is back. */
  private resend(message: JSONRPCRequest): void {
    if (this.phase === 'up') void this.send(message);
    else this.wait(message);
  }

  /** A stream of the gateway failed: find out whether the gateway is still there. */
  private async probe(transport: StreamableHTTPClientTransport): Promise<void> {
    if (this.probing || transport !== this.upstream?.transport || this.phase !== 'up') return;
    this.probing = true;
    try {
      await this.ask(transport, { jsonrpc: '2.0', id: 0, method: 'ping' });
    } catch (error) {
      if (this.upstream?.transport === transport) this.lost(this.upstream, reasonOf(error));
    } finally {
      this.probing = false;
    }
  }

  /** The gateway went away: fail what was in flight, and look for it again. */
  private lost(upstream: Upstream, reason: string): void {
    if (this.upstream !== upstream || this.phase !== 'up') return;
    this.upstream = undefined;
    this.phase = 'away';
    this.problem = {
      reason: `the gateway at ${upstream.url.href} went away: ${reason}`,
      advice: `start \`mcpx dev --dir ${this.options.root}\` again if it stopped`,
    };
    void upstream.transport.close().catch(() => {});
    // Those whose POST is still under way find out themselves: refused, they go again.
    for (const [key, { message, delivered }] of this.inFlight) {
      if (!delivered) continue;
      this.inFlight.delete(key);
      this.answerError(
        message,
        `mcpx dev stopped, or its gateway dropped the connection, while this request was in flight (${reason}); it may or may not have run.`,
      );
    }
    this.options.log(
      `mcpx connect: lost the gateway at ${upstream.url.href}: ${reason}; reconnecting`,
    );
    void this.reconnect();
  }

  /**
   * fetch for the upstream transport: a POST the gateway accepted has delivered its requests; when
   * its answer stream ends, those still unanswered never will be (the gateway answers on that
   * stream only).
   */
  private readonly watchingFetch = watchingFetch({
    accepted: (ids) => {
      for (const id of ids) {
        const entry = this.inFlight.get(id);
        if (entry !== undefined) entry.delivered = true;
      }
    },
    ended: (ids) => this.streamEnded(ids),
    keyOf,
  });

  private streamEnded(ids: readonly string[]): void {
    const upstream = this.upstream;
    if (upstream === undefined || !ids.some((id) => this.inFlight.has(id))) return;
    void this.probe(upstream.transport).then(() => {
      // The gateway is there but that stream ended unanswered: nothing will answer now.
      for (const id of ids) {
        const message = this.inFlight.get(id)?.message;
        if (message === undefined) continue;
        this.inFlight.delete(id);
        this.answerError(
          message,
          'the gateway closed the stream of this request without answering it',
        );
      }
    });
  }

  private answerError(message: JSONRPCRequest, text: string): void {
    void this.downstream.send({
      jsonrpc: '2.0',
      id: message.id,
      error: { code: GATEWAY_ABSENT, message: text },
    });
  }

  /** Whether the client has left (the phase may have changed across an await). */
  private isClosed(): boolean {
    return this.phase === 'closed';
  }

  private async close(): Promise<void> {
    this.phase = 'closed';
    this.closing.abort();
    for (const { timer } of this.waiting.values()) clearTimeout(timer);
    this.waiting.clear();
    for (const own of this.expected.values()) own.reject(new Error('closed'));
    const upstream = this.upstream;
    this.upstream = undefined;
    if (upstream !== undefined) {
      // Ends the session at the gateway instead of leaving it to expire.
      await Promise.race([
        upstream.transport.terminateSession().catch(() => {}),
        sleep(2000, undefined, { ref: false }),
      ]);
      await upstream.transport.close().catch(() => {});
    }
    await this.downstream.close();
  }
}

/** A request id as a map key: 1 and "1" are different ids. */
function keyOf(id: string | number): string {
  return `${typeof id}:${id}`;
}

function reasonOf(error: unknown): string {
  if (isMcpxError(error)) return error.message.replace(/\.$/, '');
  if (error instanceof Error && !('code' in error) && error.cause === undefined) {
    return error.message;
  }
  return upstreamFailure(error).reason;
}
