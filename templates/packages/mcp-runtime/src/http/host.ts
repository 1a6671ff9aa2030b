import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import { isIPv6 } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { stdinIsPipe, stopWhenDone } from '../lifecycle.ts';
import { createLogger } from '../log.ts';
import type { PackageInfo } from '../package-info.ts';
import { LOOPBACK, bearerAuth, originCheck } from './guards.ts';
import { type HttpOptions, httpOptionsFromEnv } from './options.ts';
import { checkReadiness } from './readiness.ts';
import {
  type Next,
  type Request,
  type Response,
  allowMethods,
  sendJson,
  sendRpcError,
} from './respond.ts';
import { Sessions } from './sessions.ts';

export { type HttpOptions, httpOptionsFromEnv } from './options.ts';

const log = createLogger('http');

/** How long `/readyz` waits for the in-memory client's answers. */
const READY_TIMEOUT_MS = 5000;

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
 * The HTTP entry of a server: serves it with the settings of the environment (see
 * `httpOptionsFromEnv`) until a signal, the parent's exit or (with a pipe as stdin) stdin's end.
 */
export async function runHttp(createServer: () => McpServer, info: PackageInfo): Promise<void> {
  const host = await serveHttp(createServer, info, httpOptionsFromEnv());
  stopWhenDone(host.close, { watchStdin: stdinIsPipe(), idle: host.idle });
}

/**
 * Serves MCP over Streamable HTTP at `/mcp`, plus `GET /healthz` (the process answers) and
 * `GET /readyz` (the server lists its primitives), with one `McpServer` from `createServer` per
 * session: an MCP server object holds the state of a single client connection.
 *
 * Built on the SDK's `createMcpExpressApp`, which checks `Host` (403 for a name that is not this
 * machine's or in `allowedHosts`: DNS rebinding) and parses JSON bodies (413 past 100 KB). Added
 * here: the `Origin` check (403), the bearer token (401), and the 2025-11-25 session rules:
 * `initialize` without a session id starts one (503 past `maxSessions`), a request for an unknown
 * or ended session gets 404 (the client's cue to initialize again), any other request without a
 * session id gets 400.
 */
export async function serveHttp(
  createServer: () => McpServer,
  info: PackageInfo,
  options: HttpOptions,
): Promise<HttpHost> {
  const sessions = new Sessions(options.maxSessions, options.sessionIdleMs, log);
  const boundHost = isIPv6(options.host) ? `[${options.host}]` : options.host.toLowerCase();
  const app = createMcpExpressApp({
    host: options.host,
    allowedHosts: [...new Set([...LOOPBACK, boundHost, ...options.allowedHosts])],
  });
  app.disable('x-powered-by');
  app.use(originCheck(options.allowedOrigins));

  app.all('/healthz', (req: Request, res: Response) => {
    if (!allowMethods(req, res, ['GET', 'HEAD'])) return;
    sendJson(res, 200, { status: 'ok', ...nameOf(info), sessions: sessions.size });
  });

  app.all('/readyz', async (req: Request, res: Response) => {
    if (!allowMethods(req, res, ['GET', 'HEAD'])) return;
    const readiness = sessions.full()
      ? { ready: false, reason: `no room for a new session: ${sessions.size} open, the limit` }
      : await checkReadiness(createServer, READY_TIMEOUT_MS);
    const { ready, ...details } = readiness;
    sendJson(res, ready ? 200 : 503, {
      status: ready ? 'ready' : 'unavailable',
      ...nameOf(info),
      ...details,
    });
  });

  const mcp: ((req: Request, res: Response, next: Next) => void)[] = [];
  if (options.authToken !== undefined) mcp.push(bearerAuth(options.authToken));
  app.all('/mcp', ...mcp, async (req: Request, res: Response) => {
    if (!allowMethods(req, res, ['GET', 'POST', 'DELETE'])) return;
    const sessionId = req.headers['mcp-session-id'];
    if (sessionId !== undefined) {
      const transport = sessions.use(String(sessionId), res);
      if (transport === undefined) sendRpcError(res, 404, -32001, 'Session not found');
      else await transport.handleRequest(req, res, req.body);
      return;
    }
    if (req.method !== 'POST' || !isInitializeRequest(req.body)) {
      sendRpcError(res, 400, -32000, 'Bad Request: Mcp-Session-Id header is required');
      return;
    }
    if (sessions.full()) {
      log.warning(`refused a new session: ${sessions.size} open, the limit (MAX_SESSIONS)`);
      sendRpcError(
        res,
        503,
        -32000,
        `Too many sessions: this server keeps at most ${sessions.max} open (MAX_SESSIONS). End unused ones (DELETE /mcp) or wait until idle ones expire.`,
      );
      return;
    }
    const release = sessions.reserve();
    try {
      await startSession(req, res);
    } finally {
      release();
    }
  });

  async function startSession(req: Request, res: Response): Promise<void> {
    const server = createServer();
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (id) => {
        sessions.add(id, transport, server);
        // Busy until this initialize is answered: an idle session's clock starts after it.
        sessions.track(id, res);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId !== undefined) sessions.remove(transport.sessionId);
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
    // The transport answered with an error (a bad Accept header, say): no session, nothing to keep.
    if (transport.sessionId === undefined) await server.close();
  }

  app.use((_req: Request, res: Response) => {
    sendRpcError(res, 404, -32000, 'Not found: the MCP endpoint is /mcp');
  });
  // Express's error handlers are the ones with four parameters.
  app.use((error: HttpError, req: Request, res: Response, _next: Next) => {
    if (error.type === 'entity.too.large') {
      sendRpcError(res, 413, -32000, `Payload too large: the limit is ${error.limit} bytes`);
    } else if (error.type === 'entity.parse.failed') {
      sendRpcError(res, 400, -32700, 'Parse error: Invalid JSON');
    } else if (error.status !== undefined && error.status >= 400 && error.status < 500) {
      sendRpcError(res, error.status, -32000, error.message);
    } else {
      log.error(`${req.method} ${req.url} failed: ${String(error)}`);
      if (res.headersSent) res.end();
      else sendRpcError(res, 500, -32603, 'Internal server error');
    }
  });

  let active = 0;
  const httpServer = createHttpServer((req, res) => {
    active++;
    res.once('close', () => active--);
    app(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port, options.host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const { port } = httpServer.address() as AddressInfo;
  const url = `http://${boundHost}:${port}/mcp`;
  log.info(`listening on ${url}`);

  return {
    url,
    port,
    close: async () => {
      await sessions.closeAll();
      await new Promise<void>((resolve, reject) => {
        httpServer.close((error) => (error ? reject(error) : resolve()));
        // Idle keep-alive sockets would hold close() open until they time out.
        httpServer.closeAllConnections();
      });
    },
    idle: () => active === 0,
  };
}

/** An error Express passes on: body-parser's carry a status, a type and the limit. */
interface HttpError extends Error {
  status?: number;
  type?: string;
  limit?: number;
}

function nameOf(info: PackageInfo): { name: string; version: string } {
  return { name: info.name, version: info.version };
}
