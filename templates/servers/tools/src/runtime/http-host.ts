import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIPv6 } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { createLogger } from './log.ts';
import { packageInfo } from './package-info.ts';

const log = createLogger('http');

/** Host names that always mean this machine, as they appear in `Host` and `Origin` headers. */
const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

/** Settings of `serveHttp`; `httpOptionsFromEnv` reads them from the environment. */
export interface HttpOptions {
  /** Interface to bind. `127.0.0.1` keeps the server reachable from this machine only. */
  host: string;
  /** Port to bind; 0 picks a free one. */
  port: number;
  /** Browser origins to accept besides http(s) ones on localhost, e.g. `https://app.example.com`. */
  allowedOrigins: readonly string[];
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number;
}

/** A running HTTP server. */
export interface HttpHost {
  /** The MCP endpoint, e.g. `http://127.0.0.1:3000/mcp`. */
  url: string;
  /** The bound port: the one the OS picked when asked for port 0. */
  port: number;
  /** Ends every session and stops the HTTP server. */
  close(): Promise<void>;
  /** True while no request is being answered (open SSE streams count as requests). */
  idle(): boolean;
}

/**
 * Reads `HOST` (default `127.0.0.1`), `PORT` (default 3000; 0 picks a free port) and
 * `ALLOWED_ORIGINS` (comma-separated origins) from `env`.
 */
export function httpOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): HttpOptions {
  const port = env.PORT ? Number(env.PORT) : 3000;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be a whole number from 0 to 65535, got "${env.PORT}"`);
  }
  const allowedOrigins = (env.ALLOWED_ORIGINS ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      if (!URL.canParse(entry)) {
        throw new Error(
          `ALLOWED_ORIGINS entries must be origins like https://example.com: "${entry}"`,
        );
      }
      return new URL(entry).origin;
    });
  return { host: env.HOST || '127.0.0.1', port, allowedOrigins, maxBodyBytes: 4 * 1024 * 1024 };
}

/** A request rejected before it reaches a session, answered with a JSON-RPC error body. */
class HttpError extends Error {
  readonly status: number;
  readonly code: number;
  readonly headers: Record<string, string>;

  constructor(status: number, code: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/**
 * Serves MCP over Streamable HTTP at `/mcp`, plus `GET /healthz`, with one `McpServer` from
 * `createServer` per session: an MCP server object holds the state of a single client connection.
 *
 * Sessions follow the 2025-11-25 transport rules: `initialize` without a session id starts one,
 * a request for an unknown or ended session gets 404 (the client's cue to initialize again), any
 * other request without a session id gets 400. `Host` and `Origin` are checked on every request
 * (403 otherwise) so that a web page cannot reach this server through DNS rebinding.
 */
export async function serveHttp(
  createServer: () => McpServer,
  options: HttpOptions,
): Promise<HttpHost> {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  // Filled in once listening: a port of 0 becomes known only then.
  let allowedHosts = new Set<string>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!allowedHosts.has(req.headers.host?.toLowerCase() ?? '')) {
      throw new HttpError(403, -32000, 'Forbidden: Host header not allowed');
    }
    if (!isAllowedOrigin(req.headers.origin, options.allowedOrigins)) {
      throw new HttpError(403, -32000, 'Forbidden: Origin not allowed');
    }
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    if (pathname === '/healthz') {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        throw new HttpError(405, -32000, 'Method not allowed', { Allow: 'GET, HEAD' });
      }
      const { name, version } = packageInfo;
      sendJson(res, 200, { status: 'ok', name, version, sessions: sessions.size });
      return;
    }
    if (pathname !== '/mcp') {
      throw new HttpError(404, -32000, 'Not found: the MCP endpoint is /mcp');
    }
    if (req.method !== 'GET' && req.method !== 'POST' && req.method !== 'DELETE') {
      throw new HttpError(405, -32000, 'Method not allowed', { Allow: 'GET, POST, DELETE' });
    }

    const sessionId = req.headers['mcp-session-id'];
    if (sessionId !== undefined) {
      const transport = sessions.get(String(sessionId));
      if (!transport) throw new HttpError(404, -32001, 'Session not found');
      const body = req.method === 'POST' ? await readJson(req, options.maxBodyBytes) : undefined;
      await transport.handleRequest(req, res, body);
      return;
    }
    const body = req.method === 'POST' ? await readJson(req, options.maxBodyBytes) : undefined;
    if (!isInitializeRequest(body)) {
      throw new HttpError(400, -32000, 'Bad Request: Mcp-Session-Id header is required');
    }
    await startSession(req, res, body);
  }

  async function startSession(
    req: IncomingMessage,
    res: ServerResponse,
    body: unknown,
  ): Promise<void> {
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (id) => {
        sessions.set(id, transport);
        log.debug(`session ${id} started`);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId && sessions.delete(transport.sessionId)) {
        log.debug(`session ${transport.sessionId} ended`);
      }
    };
    const server = createServer();
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
    // The transport answered with an error (a bad Accept header, say): no session, nothing to keep.
    if (!transport.sessionId) await server.close();
  }

  let active = 0;
  const httpServer = createHttpServer((req, res) => {
    active++;
    res.once('close', () => active--);
    handle(req, res).catch((error: unknown) => {
      if (error instanceof HttpError) {
        sendJson(res, error.status, rpcError(error.code, error.message), error.headers);
        return;
      }
      log.error(`${req.method} ${req.url} failed: ${String(error)}`);
      if (res.headersSent) res.end();
      else sendJson(res, 500, rpcError(-32603, 'Internal server error'));
    });
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port, options.host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const { port } = httpServer.address() as AddressInfo;
  const boundHost = isIPv6(options.host) ? `[${options.host}]` : options.host.toLowerCase();
  allowedHosts = new Set([...LOOPBACK, boundHost].map((name) => `${name}:${port}`));
  const url = `http://${boundHost}:${port}/mcp`;
  log.info(`listening on ${url}`);

  return {
    url,
    port,
    close: async () => {
      await Promise.all([...sessions.values()].map((transport) => transport.close()));
      await new Promise<void>((resolve, reject) => {
        httpServer.close((error) => (error ? reject(error) : resolve()));
        // Idle keep-alive sockets would hold close() open until they time out.
        httpServer.closeAllConnections();
      });
    },
    idle: () => active === 0,
  };
}

/**
 * Browsers send `Origin`; other clients usually do not, and are let through. A page may talk to
 * this server when it is served from this machine or its origin is listed in `allowed`.
 */
function isAllowedOrigin(origin: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined || allowed.includes(origin)) return true;
  if (!URL.canParse(origin)) return false;
  const { protocol, hostname } = new URL(origin);
  return (protocol === 'http:' || protocol === 'https:') && LOOPBACK.includes(hostname);
}

/** Reads and parses a JSON body of at most `maxBytes` (413 past it, 400 if it is not JSON). */
function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  // Node reads and discards the rest of the body once the response is sent: a client that is
  // still uploading then gets the 413 instead of a broken connection.
  const tooLarge = new HttpError(413, -32000, `Payload too large: the limit is ${maxBytes} bytes`);
  if (Number(req.headers['content-length']) > maxBytes) return Promise.reject(tooLarge);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit, keep reading but drop the data (see above).
      if (size > maxBytes) reject(tooLarge);
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > maxBytes) return;
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new HttpError(400, -32700, 'Parse error: Invalid JSON'));
      }
    });
    req.on('error', reject);
  });
}

function rpcError(code: number, message: string) {
  return { jsonrpc: '2.0', error: { code, message }, id: null };
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}
