// A small Streamable HTTP MCP server on a real port that stands in for the gateway of `mcpx dev`
// in tests of its clients (mcpx connect, call, tools): sessions, 404 for an unknown session, a
// bearer check, tools named like the aggregate's, and a stop and start again on the same port that
// plays a restart of `mcpx dev` (every session is forgotten).
import { randomUUID } from 'node:crypto';
import {
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
  createServer,
} from 'node:http';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type CallToolResult,
  type Tool,
  isInitializeRequest,
} from '@modelcontextprotocol/sdk/types.js';

export interface StandIn {
  port: number;
  /** http://127.0.0.1:<port>/mcp */
  url: string;
  /** Which run this is (1, then 2 after a restart...): `echo` answers with it. */
  run: number;
  /** Sessions opened in this run. */
  sessions: number;
  /** `notifications/initialized` received in this run. */
  initializedNotifications: number;
  /** DELETE requests that ended a session, over all runs. */
  deletes: number;
  /** Calls of `hang` waiting now. */
  hanging: number;
  /** Path and query of every HTTP request, over all runs. */
  paths: string[];
  /** Closes every connection at once, as a killed process would, and frees the port. */
  stop(): Promise<void>;
  /** Listens again on the same port: a new run with no sessions. */
  start(): Promise<void>;
}

/** The tools the stand-in lists, named as the gateway's aggregate names them. */
export const STAND_IN_TOOLS: Tool[] = [
  {
    name: 'kit__echo',
    description: 'Says the text back, with the run that answered.\nSecond line.',
    inputSchema: { type: 'object', properties: { text: { type: 'string' } } },
  },
  {
    name: 'kit__hang',
    description: 'Never answers.',
    inputSchema: { type: 'object' },
  },
  {
    name: 'kit__fail',
    description: 'A tool error.',
    inputSchema: { type: 'object' },
  },
  {
    name: 'kit__args',
    description: 'Returns its arguments as structured content.',
    inputSchema: { type: 'object' },
  },
  {
    name: 'docs__echo',
    description: 'The same name on another server.',
    inputSchema: { type: 'object', properties: { text: { type: 'string' } } },
  },
];

export async function startStandIn(options: { port: number; token?: string }): Promise<StandIn> {
  let http: HttpServer | undefined;
  let transports = new Map<string, StreamableHTTPServerTransport>();
  const state: StandIn = {
    port: options.port,
    url: `http://127.0.0.1:${options.port}/mcp`,
    run: 0,
    sessions: 0,
    initializedNotifications: 0,
    deletes: 0,
    hanging: 0,
    paths: [],
    stop: async () => {
      const server = http;
      http = undefined;
      if (server === undefined) return;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const transport of transports.values()) await transport.close().catch(() => {});
      transports = new Map();
      await closed;
    },
    start: async () => {
      state.run += 1;
      state.sessions = 0;
      state.initializedNotifications = 0;
      const server = createServer((req, res) => {
        handle(req, res).catch((error: unknown) => {
          if (!res.headersSent) res.writeHead(500).end(String(error));
        });
      });
      const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
        state.paths.push(req.url ?? '');
        if (
          options.token !== undefined &&
          req.headers.authorization !== `Bearer ${options.token}`
        ) {
          res.writeHead(401, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: 'wrong or missing bearer token' }));
          return;
        }
        const body = req.method === 'POST' ? await readJson(req) : undefined;
        const id = req.headers['mcp-session-id'];
        const existing = typeof id === 'string' ? transports.get(id) : undefined;
        if (existing !== undefined) {
          if (req.method === 'DELETE') state.deletes += 1;
          await existing.handleRequest(req, res, body);
          return;
        }
        if (id !== undefined) {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              jsonrpc: '2.0',
              error: { code: -32001, message: 'Session not found' },
              id: null,
            }),
          );
          return;
        }
        if (req.method !== 'POST' || !isInitializeRequest(body)) {
          res.writeHead(400).end('initialize first');
          return;
        }
        const transport = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (sessionId) => {
            transports.set(sessionId, transport);
            state.sessions += 1;
          },
        });
        transport.onclose = () => {
          if (transport.sessionId !== undefined) transports.delete(transport.sessionId);
        };
        await mcpServer(state).connect(transport);
        await transport.handleRequest(req, res, body);
      };
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      });
      http = server;
    },
  };
  await state.start();
  return state;
}

/** One session's low-level Server, as the gateway has: -32602 for an unknown tool. */
function mcpServer(state: StandIn): Server {
  const server = new Server(
    { name: 'stand-in-gateway', version: '1.0.0' },
    { capabilities: { tools: { listChanged: true }, prompts: {}, resources: {} } },
  );
  server.oninitialized = () => {
    state.initializedNotifications += 1;
  };
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: STAND_IN_TOOLS }));
  server.setRequestHandler(
    CallToolRequestSchema,
    async (request, extra): Promise<CallToolResult> => {
      const args = request.params.arguments ?? {};
      switch (request.params.name) {
        case 'kit__echo':
        case 'docs__echo':
          return { content: [{ type: 'text', text: `run ${state.run}: ${String(args.text)}` }] };
        case 'kit__hang':
          state.hanging += 1;
          try {
            await new Promise((_, reject) =>
              extra.signal.addEventListener('abort', () => reject(new Error('cancelled'))),
            );
          } finally {
            state.hanging -= 1;
          }
          return { content: [] };
        case 'kit__fail':
          return { content: [{ type: 'text', text: 'the disk is on fire' }], isError: true };
        case 'kit__args':
          return {
            content: [{ type: 'text', text: 'arguments:' }],
            structuredContent: args,
          };
        default:
          return unknown(request.params.name);
      }
    },
  );
  return server;
}

/**
 * What the gateway answers for a name it does not list: it routes by prefix, so a known server's
 * unknown tool is that server's tool error; a server that is down (`down__`) is a tool error
 * naming its state; an unknown prefix is -32602.
 */
function unknown(name: string): CallToolResult {
  const at = name.indexOf('__');
  const prefix = at < 0 ? '' : name.slice(0, at);
  if (prefix === 'kit' || prefix === 'docs') {
    return {
      content: [{ type: 'text', text: `Tool ${name.slice(at + 2)} not found` }],
      isError: true,
    };
  }
  if (prefix === 'down') {
    return {
      content: [{ type: 'text', text: 'down is crashed: exited with code 1' }],
      isError: true,
    };
  }
  throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${name}`);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  for await (const chunk of req) parts.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(parts).toString('utf8')) as unknown;
}
