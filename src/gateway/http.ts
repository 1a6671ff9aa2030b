import { hash, timingSafeEqual } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Clock } from '../clock.js';
import { McpxError } from '../errors.js';
import { isLoopbackHost } from '../manifest/gateway.js';
import { ALL_SERVERS, type DownstreamSession, type View, httpSession } from './downstream.js';
import type { Gateway } from './gateway.js';
import { serveSession } from './handlers.js';
import { type GatewayHttpTransport, INVALID, readJson, sendJson } from './http-transport.js';
import { LegacySse } from './legacy-sse.js';

/** A request body larger than this is refused (413): what the SDK's own transport allows. */
/** Sessions kept at once; past it, the one idle longest is ended (its client re-initializes on 404). */
export const MAX_SESSIONS = 1000;
/**
 * A session with no request for this long and no stream open is ended: clients that never send
 * DELETE would otherwise keep it, and with isolation "session" its server processes, for ever. A
 * client that comes back gets 404 and initializes again, as the spec has it.
 */
export const SESSION_IDLE_MS = 30 * 60_000;

export interface GatewayServerOptions {
  gateway: Gateway;
  host: string;
  port: number;
  /** The bearer token `/mcp` and `/servers/*` require; undefined: --no-auth. */
  token: string | undefined;
  /** Where the token is, for the 401's message. */
  tokenFile: string;
  /** Which command serves, for messages (default `mcpx dev`). */
  runner?: 'mcpx dev' | 'mcpx gateway';
  clock: Clock;
  /** Per server: its state, and how many of its replicas are ready; for /readyz. */
  readiness: () => Record<string, { ready: number; replicas: number; states: string[] }>;
}

/**
 * The gateway's HTTP side: `/mcp` (the aggregate; `?servers=a,b` for some), `/servers/<name>/mcp`
 * (one server, its own names), `/healthz`, `/readyz`. Streamable HTTP with sessions the gateway
 * owns: an unknown or ended session gets 404 (the client then initializes again), a request without
 * one that is not initialize gets 400. Host and Origin are checked (403: DNS rebinding), and the
 * bearer token (401).
 */
export class GatewayServer {
  #url = '';
  readonly #server: Server;
  readonly #byId = new Map<string, DownstreamSession<GatewayHttpTransport>>();
  readonly #legacy: LegacySse;

  readonly #sweep: NodeJS.Timeout;
  /** Bound to loopback: then Host and Origin must name it (DNS rebinding). */
  readonly #loopback: boolean;
  /** `127.0.0.1:<port>` and the other names of this gateway, once it listens. */
  #hosts: string[] = [];
  #origins: string[] = [];
  /** The token's digest, made once: a request then hashes only what it was given. */
  readonly #tokenDigest: Buffer | undefined;

  private constructor(readonly options: GatewayServerOptions) {
    this.#loopback = isLoopbackHost(options.host);
    this.#tokenDigest = options.token === undefined ? undefined : digest(options.token);
    this.#sweep = setInterval(() => void this.#endIdle(), 60_000).unref();
    this.#legacy = new LegacySse(options.gateway, options.clock, instructions, (s) =>
      this.#closed(s),
    );
    this.#server = createServer((request, response) => {
      void this.handle(request, response).catch((error: unknown) => {
        if (!response.headersSent)
          sendJson(response, 500, rpcError(-32603, `mcpx gateway failed: ${String(error)}`));
        else response.end();
      });
    });
  }

  /** The aggregate endpoint, e.g. http://127.0.0.1:7330/mcp. */
  get url(): string {
    return this.#url;
  }

  /** Listens; a port in use is a user's problem with a clear way out (exit 2). */
  static async listen(options: GatewayServerOptions): Promise<GatewayServer> {
    const self = new GatewayServer(options);
    const server = self.#server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        reject(
          error.code === 'EADDRINUSE' || error.code === 'EACCES'
            ? new McpxError(
                `The gateway cannot listen on ${options.host}:${options.port}: ${error.code === 'EADDRINUSE' ? 'the port is in use' : 'permission denied'}.`,
                {
                  hint:
                    options.runner === 'mcpx gateway'
                      ? 'stop what uses it, or pick another port: `mcpx gateway --port <port>`'
                      : `stop what uses it, or pick another port: \`mcpx dev --gateway-port <port>\` or "gateway": {"port": ...} in mcpx.json (or --no-gateway)`,
                },
              )
            : error,
        );
      });
      server.listen(options.port, options.host, () => resolve());
    });
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : options.port;
    const host = options.host.includes(':') ? `[${options.host}]` : options.host;
    self.#url = `http://${host}:${port}/mcp`;
    self.#hosts = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
    self.#origins = self.#hosts.map((h) => `http://${h}`);
    return self;
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const [path = '/', query = ''] = (request.url ?? '/').split('?', 2);
    if (!this.#hostAllowed(request))
      return sendJson(
        response,
        403,
        rpcError(
          -32600,
          `Forbidden: Host ${JSON.stringify(request.headers.host ?? '')} is not this gateway`,
        ),
      );
    const origin = request.headers.origin;
    if (origin !== undefined && !this.#originAllowed(origin))
      return sendJson(
        response,
        403,
        rpcError(-32600, `Forbidden: Origin ${JSON.stringify(origin)} may not use this gateway`),
      );
    if (path === '/healthz') return sendJson(response, 200, { ok: true });
    if (path === '/readyz') {
      const servers = this.options.readiness();
      const ready = Object.values(servers).some((s) => s.ready > 0);
      return sendJson(response, ready ? 200 : 503, { ready, servers });
    }
    // Old clients' SSE endpoints show what /mcp does, `?servers=` included.
    const legacy = LegacySse.serves(path);
    const view = this.#view(legacy ? '/mcp' : path, query);
    if (view === undefined)
      return sendJson(
        response,
        404,
        rpcError(
          -32601,
          `Not found: ${path}. The gateway serves /mcp, /servers/<name>/mcp, /sse (legacy SSE clients), /healthz and /readyz`,
        ),
      );
    if (typeof view === 'string') return sendJson(response, 404, rpcError(-32602, view));
    if (!this.#authorized(request))
      return sendJson(
        response,
        401,
        rpcError(
          -32001,
          `Unauthorized: send the gateway's token as "Authorization: Bearer <token>"; it is in ${this.options.tokenFile} (or run ${this.options.runner ?? 'mcpx dev'} with --no-auth)`,
        ),
        {
          'www-authenticate': 'Bearer realm="mcpx"',
        },
      );
    if (legacy) return this.#legacy.handle(request, response, path, view);
    await this.#mcp(request, response, view);
  }

  async #mcp(request: IncomingMessage, response: ServerResponse, view: View): Promise<void> {
    const { gateway, clock } = this.options;
    const id = request.headers['mcp-session-id'];
    const body = request.method === 'POST' ? await readJson(request, response) : undefined;
    if (body === INVALID) return;
    if (typeof id === 'string') {
      const session = this.#byId.get(id);
      if (session === undefined || session.view.key !== view.key)
        return sendJson(
          response,
          404,
          rpcError(-32001, 'Session not found: it ended, or mcpx dev restarted; initialize again'),
        );
      session.lastSeen = clock.now();
      if (request.method === 'GET') {
        session.streams++;
        response.once('close', () => {
          session.streams--;
          session.lastSeen = clock.now();
        });
      }
      return session.transport.handle(request, response, body);
    }
    if (request.method !== 'POST')
      return sendJson(
        response,
        400,
        rpcError(-32000, 'Bad Request: Mcp-Session-Id header is required'),
      );
    const messages = Array.isArray(body) ? (body as unknown[]) : [body];
    if (!messages.some((m) => isInitializeRequest(m)))
      return sendJson(
        response,
        400,
        rpcError(
          -32000,
          'Bad Request: no session; send initialize first (without an Mcp-Session-Id)',
        ),
      );
    if (this.#byId.size >= MAX_SESSIONS) await this.#evictIdlest();
    const session = httpSession(
      view,
      clock.now(),
      instructions(view),
      (s) => {
        if (s.id !== undefined) this.#byId.set(s.id, s);
        gateway.changed();
      },
      (s) => void this.#closed(s),
    );
    serveSession(session, gateway);
    gateway.sessions.add(session);
    await session.server.connect(session.transport);
    // The Server wraps the transport's onclose; a DELETE or close() then ends the session here too.
    const serverClosed = session.transport.onclose;
    session.transport.onclose = () => {
      serverClosed?.();
      session.onClosed();
    };
    await session.transport.handle(request, response, body);
    // An initialize that failed (a bad protocol version) leaves no session behind.
    if (session.id === undefined) await this.#closed(session);
  }

  async #closed(session: DownstreamSession): Promise<void> {
    if (session.closed) return;
    session.closed = true;
    if (session.id !== undefined) this.#byId.delete(session.id);
    await this.options.gateway.ended(session);
    await session.server.close().catch(() => undefined);
  }

  async #endIdle(): Promise<void> {
    const now = this.options.clock.now();
    for (const session of [...this.#byId.values()])
      if (session.streams === 0 && now - session.lastSeen > SESSION_IDLE_MS) {
        await session.transport.close().catch(() => undefined);
        await this.#closed(session);
      }
  }

  async #evictIdlest(): Promise<void> {
    let idlest: DownstreamSession | undefined;
    for (const session of this.#byId.values())
      if (idlest === undefined || session.lastSeen < idlest.lastSeen) idlest = session;
    if (idlest !== undefined) await this.#closed(idlest);
  }

  /** `/mcp`, `/mcp?servers=a,b`, `/servers/<name>/mcp`; a string says what is wrong; undefined: no such path. */
  #view(path: string, query: string): View | string | undefined {
    const servers = this.options.gateway.options.cluster.servers;
    const unknown = (names: string[]): string | undefined => {
      const missing = names.filter((n) => !servers.has(n));
      return missing.length === 0
        ? undefined
        : `No server named ${missing.map((n) => `"${n}"`).join(', ')} in this workspace; it has ${[...servers.keys()].join(', ')}`;
    };
    if (path === '/mcp' || path === '/mcp/') {
      const asked = new URLSearchParams(query).get('servers');
      if (asked === null || asked === '') return ALL_SERVERS;
      const names = [
        ...new Set(
          asked
            .split(',')
            .map((n) => n.trim())
            .filter((n) => n !== ''),
        ),
      ].sort();
      return (
        unknown(names) ?? { key: `/mcp?servers=${names.join(',')}`, servers: names, prefixed: true }
      );
    }
    const match = /^\/servers\/([^/]+)\/mcp\/?$/.exec(path);
    if (match === null) return undefined;
    let name: string;
    try {
      name = decodeURIComponent(match[1] as string);
    } catch {
      return `Bad server name in ${path}`;
    }
    return unknown([name]) ?? { key: `/servers/${name}/mcp`, servers: [name], prefixed: false };
  }

  #hostAllowed(request: IncomingMessage): boolean {
    // Bound to other interfaces, the Host can be any name of this machine: the token guards it.
    if (!this.#loopback) return true;
    const host = request.headers.host;
    return host !== undefined && this.#hosts.includes(host.toLowerCase());
  }

  #originAllowed(origin: string): boolean {
    return !this.#loopback || this.#origins.includes(origin.toLowerCase());
  }

  #authorized(request: IncomingMessage): boolean {
    if (this.#tokenDigest === undefined) return true;
    const header = request.headers.authorization ?? '';
    const given = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] ?? '';
    // Equal-length digests: the comparison takes as long whatever the guess, its length included.
    return timingSafeEqual(digest(given), this.#tokenDigest);
  }

  get sessions(): number {
    return this.#byId.size;
  }

  /** Ends every session and stops listening. */
  async close(): Promise<void> {
    clearInterval(this.#sweep);
    for (const session of [...this.options.gateway.sessions]) {
      await session.transport.close().catch(() => undefined);
      await this.#closed(session);
    }
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** SHA-256 in one call: a Hash object per request showed in the gateway's CPU profile. */
function digest(text: string): Buffer {
  return hash('sha256', text, 'buffer');
}

function instructions(view: View): string {
  return view.prefixed
    ? 'mcpx gateway: the tools and prompts of several MCP servers, named <server>__<name>. Lists follow the servers as they reload; clients that ignore list_changed must list again.'
    : `mcpx gateway: the MCP server ${view.servers?.[0] ?? ''}, with its own names.`;
}

function rpcError(code: number, message: string): unknown {
  return { jsonrpc: '2.0', error: { code, message }, id: null };
}
