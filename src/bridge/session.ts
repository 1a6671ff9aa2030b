import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  type JSONRPCMessage,
  type RequestId,
  isJSONRPCNotification,
  isJSONRPCRequest,
} from '@modelcontextprotocol/sdk/types.js';
import { type Launch, ServerProcess } from '../server/process.js';
import { ChildStdioTransport } from '../server/stdio-transport.js';

export interface BridgeSessionOptions {
  launch: Launch;
  /** A line of the child's stderr, or a stdout line that is not JSON-RPC. */
  onChildLine: (stream: 'stderr' | 'stdout', line: string) => void;
  /** The session ended (DELETE, idle, or its child exited). */
  onEnd: (session: BridgeSession, why: string) => void;
  /** Called with the session id once the child's initialize answer made it a session. */
  onInitialized: (session: BridgeSession) => void;
}

/**
 * One downstream session: its own child process, messages pumped through as they are (ids 1:1).
 * A stdio server serves one client, so each HTTP session gets its own; the child's stdout is the
 * protocol, its stderr the log. When the child exits, requests still waiting get an error and the
 * session ends (the client's next request gets 404, and it initializes again).
 */
export class BridgeSession {
  readonly http: StreamableHTTPServerTransport;
  readonly process: ServerProcess;
  readonly #child: ChildStdioTransport;
  /** Client requests the child has not answered, in order: where its own messages go. */
  readonly #waiting = new Set<RequestId>();
  /** Progress tokens of waiting requests: a progress notification goes to its request's stream. */
  readonly #progress = new Map<string | number, RequestId>();
  lastSeen = Date.now();
  #ended = false;

  constructor(
    readonly id: string,
    readonly options: BridgeSessionOptions,
  ) {
    this.http = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => id,
      onsessioninitialized: () => options.onInitialized(this),
    });
    this.process = new ServerProcess(options.launch, {
      onStderrLine: (line) => options.onChildLine('stderr', line),
    });
    this.#child = new ChildStdioTransport(this.process.child, (line) =>
      options.onChildLine('stdout', line),
    );
    this.http.onmessage = (message) => this.#fromClient(message);
    this.http.onclose = () => void this.end('closed by the client');
    this.#child.onmessage = (message) => void this.#fromServer(message);
    this.#child.onerror = () => undefined;
    void this.process.exited.then((exit) => {
      const how =
        exit.error?.message ??
        (exit.signal === null ? `exit code ${String(exit.code)}` : `signal ${exit.signal}`);
      void this.end(`the server process ended (${how})`);
    });
  }

  async start(): Promise<void> {
    await this.#child.start();
  }

  #fromClient(message: JSONRPCMessage): void {
    this.lastSeen = Date.now();
    if (isJSONRPCRequest(message)) {
      this.#waiting.add(message.id);
      const token = message.params?._meta?.progressToken;
      if (token !== undefined) this.#progress.set(token, message.id);
    }
    this.#child.send(message).catch(() => {
      // The child is gone: its exit ends the session and answers what waits.
    });
  }

  async #fromServer(message: JSONRPCMessage): Promise<void> {
    let related: RequestId | undefined;
    if ('id' in message && !isJSONRPCRequest(message)) {
      // An answer: the SDK transport finds its stream by the id.
      const answered = message.id;
      if (answered !== undefined) this.#waiting.delete(answered);
      for (const [token, id] of this.#progress) if (id === answered) this.#progress.delete(token);
    } else if (isJSONRPCNotification(message) && message.method === 'notifications/progress') {
      const token = (message.params as { progressToken?: string | number } | undefined)
        ?.progressToken;
      related = token === undefined ? undefined : this.#progress.get(token);
    } else {
      // A server's own request or notification while a call is open belongs to that call (its
      // client may not hold a GET stream open); otherwise it goes to the GET stream.
      related = this.#waiting.values().next().value;
    }
    await this.http
      .send(message, related === undefined ? undefined : { relatedRequestId: related })
      .catch(() => undefined);
  }

  /** Ends the session: waiting requests get an error, the child is stopped. Idempotent. */
  async end(why: string): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    for (const id of this.#waiting)
      await this.http
        .send({ jsonrpc: '2.0', id, error: { code: -32603, message: `mcpx bridge: ${why}` } })
        .catch(() => undefined);
    this.#waiting.clear();
    this.options.onEnd(this, why);
    await this.http.close().catch(() => undefined);
    await this.process.stop();
  }
}
