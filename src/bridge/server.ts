import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { McpxError } from '../errors.js';
import { INVALID, readJson, sendJson } from '../gateway/http-transport.js';
import type { Launch } from '../server/process.js';
import { type BridgeHttpOptions, hostAllowed, originAllowed } from './options.js';
import { ReadinessCheck } from './readiness.js';
import { BridgeSession } from './session.js';

/** What the bridge logs: one event per line, as container platforms collect them. */
export interface BridgeEvent {
  level: 'info' | 'warning' | 'error';
  stream: 'mcpx' | 'stderr' | 'stdout';
  session?: string;
  msg: string;
}

export interface BridgeServerOptions extends BridgeHttpOptions {
  launch: Launch;
  onEvent: (event: BridgeEvent) => void;
  /** Sessions (each one child process) at most; past it a new one gets 503. */
  maxSessions?: number;
  /** A session without a request for this long is ended, with its child. */
  sessionIdleMs?: number;
  /** How long /readyz waits for a fresh child's initialize and ping. */
  readyTimeoutMs?: number;
}

/**
 * `mcpx bridge`: a stdio MCP server served as Streamable HTTP at `/mcp`, with `/healthz` (the
 * bridge answers) and `/readyz` (a fresh child of the command answers initialize and ping), the
 * same Host and Origin checks (403) and `ALLOWED_HOSTS` as the template runtime. Each session runs
 * its own child.
 */
export class BridgeServer {
  readonly #server: Server;
  readonly #sessions = new Map<string, BridgeSession>();
  readonly #readiness: ReadinessCheck;
  readonly #sweep: NodeJS.Timeout;
  #url = '';

  private constructor(readonly options: BridgeServerOptions) {
    this.#readiness = new ReadinessCheck(options.launch, options.readyTimeoutMs ?? 10_000);
    const idle = options.sessionIdleMs ?? 30 * 60_000;
    this.#sweep = setInterval(
      () => {
        for (const session of this.#sessions.values())
          if (Date.now() - session.lastSeen > idle) void session.end('idle');
      },
      Math.min(idle, 60_000),
    ).unref();
    this.#server = createServer((request, response) => {
      this.#handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) sendJson(response, 500, rpcError(-32603, String(error)));
        else response.end();
      });
    });
  }

  get url(): string {
    return this.#url;
  }

  get sessions(): number {
    return this.#sessions.size;
  }

  static async listen(options: BridgeServerOptions): Promise<BridgeServer> {
    const self = new BridgeServer(options);
    await new Promise<void>((resolve, reject) => {
      self.#server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          error.code === 'EADDRINUSE' || error.code === 'EACCES' || error.code === 'EADDRNOTAVAIL'
            ? new McpxError(
                `mcpx bridge cannot listen on ${options.host}:${options.port} (${error.code}).`,
                { hint: 'pick another address or port with --http HOST:PORT' },
              )
            : error,
        ),
      );
      self.#server.listen(options.port, options.host, () => resolve());
    });
    const address = self.#server.address();
    const port = typeof address === 'object' && address !== null ? address.port : options.port;
    const host = options.host.includes(':') ? `[${options.host}]` : options.host;
    self.#url = `http://${host}:${port}/mcp`;
    // Listening: now the process /readyz pings may start (not for a bridge that cannot listen).
    self.#readiness.warm();
    return self;
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?', 1)[0];
    if (!hostAllowed(request.headers.host, this.options))
      return sendJson(
        response,
        403,
        rpcError(
          -32000,
          `Forbidden: Host ${JSON.stringify(request.headers.host ?? '')} is not allowed (ALLOWED_HOSTS)`,
        ),
      );
    if (!originAllowed(request.headers.origin, this.options))
      return sendJson(
        response,
        403,
        rpcError(-32000, 'Forbidden: Origin not allowed (ALLOWED_ORIGINS)'),
      );
    if (path === '/healthz') return sendJson(response, 200, { ok: true });
    if (path === '/readyz') {
      const readiness = await this.#readiness.check();
      return sendJson(response, readiness.ready ? 200 : 503, readiness);
    }
    if (path !== '/mcp')
      return sendJson(
        response,
        404,
        rpcError(-32601, `Not found: ${path ?? ''}. The bridge serves /mcp, /healthz and /readyz`),
      );
    const id = request.headers['mcp-session-id'];
    if (typeof id === 'string') {
      const session = this.#sessions.get(id);
      if (session === undefined)
        return sendJson(response, 404, rpcError(-32001, 'Session not found: initialize again'));
      session.lastSeen = Date.now();
      const body = request.method === 'POST' ? await readJson(request, response) : undefined;
      if (body === INVALID) return;
      return session.http.handleRequest(request, response, body);
    }
    if (request.method !== 'POST')
      return sendJson(
        response,
        400,
        rpcError(-32000, 'Bad Request: no mcp-session-id header; POST initialize first'),
      );
    const body = await readJson(request, response);
    if (body === INVALID) return;
    if (!isInitializeRequest(body))
      return sendJson(
        response,
        400,
        rpcError(-32000, 'Bad Request: no mcp-session-id header; the first request is initialize'),
      );
    if (this.#sessions.size >= (this.options.maxSessions ?? 100))
      return sendJson(response, 503, rpcError(-32000, 'Too many sessions: try again later'));
    const session = new BridgeSession(randomUUID(), {
      launch: this.options.launch,
      onChildLine: (stream, msg) =>
        this.options.onEvent({
          level: stream === 'stderr' ? 'info' : 'warning',
          stream,
          session: session.id,
          msg,
        }),
      onInitialized: (s) =>
        this.options.onEvent({
          level: 'info',
          stream: 'mcpx',
          session: s.id,
          msg: 'session started',
        }),
      onEnd: (s, why) => {
        this.#sessions.delete(s.id);
        this.options.onEvent({
          level: 'info',
          stream: 'mcpx',
          session: s.id,
          msg: `session ended: ${why}`,
        });
      },
    });
    this.#sessions.set(session.id, session);
    await session.start();
    await session.http.handleRequest(request, response, body);
  }

  /** Stops listening and ends every session with its child. */
  async close(): Promise<void> {
    clearInterval(this.#sweep);
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await Promise.all([
      ...[...this.#sessions.values()].map((s) => s.end('the bridge stops')),
      this.#readiness.close(),
    ]);
    await closed;
  }
}

function rpcError(code: number, message: string): unknown {
  return { jsonrpc: '2.0', id: null, error: { code, message } };
}
