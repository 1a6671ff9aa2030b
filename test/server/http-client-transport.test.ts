// mcpx's own Streamable HTTP client transport (src/server/http-client-transport.ts) against the
// SDK's real server transport on 127.0.0.1, driven by the SDK's real Client: JSON and SSE answers,
// the manifest's headers and the protocol version on every request, the GET stream reopened past
// failures, a lost session as the SDK's StreamableHTTPError 404, and close() ending a call in flight.
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  LATEST_PROTOCOL_VERSION,
  ToolListChangedNotificationSchema,
  isInitializeRequest,
} from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { HttpAnswer } from '../../src/server/http-answer.js';
import { httpClientTransport } from '../../src/server/session.js';
import { until } from '../helpers/until.js';

interface Stand {
  url: string;
  server: Server;
  sessions: Map<string, { transport: StreamableHTTPServerTransport; mcp: McpServer }>;
  /** Headers of each request, in order. */
  seen: { method: string; headers: IncomingMessage['headers'] }[];
  /** GET requests still to refuse with 500. */
  refuseGets: number;
  /** Ends the slow tool's calls. */
  release: () => void;
  /** Slow tool calls the server started, and those whose HTTP request the client ended. */
  slowStarted: number;
  aborted: number;
}

const stands: Stand[] = [];
afterEach(async () => {
  for (const stand of stands.splice(0)) {
    stand.release();
    for (const { transport } of stand.sessions.values()) await transport.close();
    stand.server.closeAllConnections();
    await new Promise((resolve) => stand.server.close(resolve));
  }
});

/** A Streamable HTTP MCP server on 127.0.0.1, with sessions kept as the spec describes. */
async function stand(enableJsonResponse: boolean): Promise<Stand> {
  let release!: () => void;
  let gate = new Promise<void>((resolve) => (release = resolve));
  const state: Stand = {
    url: '',
    server: undefined as unknown as Server,
    sessions: new Map(),
    seen: [],
    refuseGets: 0,
    release: () => release(),
    slowStarted: 0,
    aborted: 0,
  };
  const newSession = (): StreamableHTTPServerTransport => {
    const mcp = new McpServer({ name: 'stand', version: '1.0.0' });
    mcp.registerTool('echo', { inputSchema: { text: z.string() } }, async ({ text }, extra) => {
      const token = extra._meta?.progressToken;
      if (token !== undefined)
        await extra.sendNotification({
          method: 'notifications/progress',
          params: { progressToken: token, progress: 1, total: 2 },
        });
      return { content: [{ type: 'text', text }] };
    });
    mcp.registerTool('slow', {}, async () => {
      state.slowStarted++;
      await gate;
      gate = new Promise<void>((resolve) => (release = resolve));
      return { content: [{ type: 'text', text: 'done' }] };
    });
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse,
      onsessioninitialized: (id) => void state.sessions.set(id, { transport, mcp }),
    });
    void mcp.connect(transport);
    return transport;
  };
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    state.seen.push({ method: request.method ?? '', headers: request.headers });
    let body: unknown;
    if (request.method === 'POST') {
      let text = '';
      for await (const chunk of request) text += String(chunk);
      body = JSON.parse(text);
      if (/"name":"slow"/.test(text))
        response.once('close', () => {
          if (!response.writableFinished) state.aborted++;
        });
    }
    if (request.method === 'GET' && state.refuseGets > 0) {
      state.refuseGets--;
      response.writeHead(500, { 'content-type': 'text/plain' }).end('not now');
      return;
    }
    const id = request.headers['mcp-session-id'];
    if (typeof id === 'string') {
      const session = state.sessions.get(id);
      if (session === undefined) {
        response.writeHead(404, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            jsonrpc: '2.0',
            error: { code: -32001, message: 'Session not found' },
            id: null,
          }),
        );
        return;
      }
      await session.transport.handleRequest(request, response, body);
      return;
    }
    if (request.method === 'POST' && isInitializeRequest(body)) {
      await newSession().handleRequest(request, response, body);
      return;
    }
    response.writeHead(400).end();
  };
  state.server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((resolve) => state.server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}/mcp`;
  stands.push(state);
  return state;
}

async function connect(
  url: string,
  headers?: Record<string, string>,
  onAnswer?: (answer: HttpAnswer) => void,
): Promise<Client> {
  const client = new Client({ name: 'test', version: '0' });
  await client.connect(httpClientTransport('http', url, headers, onAnswer));
  return client;
}

describe.each([
  ['SSE', false],
  ['JSON', true],
])('mcpx Streamable HTTP client, answers as %s', (_kind, json) => {
  it('calls tools with progress, sending the manifest headers, the session and the version', async () => {
    const server = await stand(json);
    const client = await connect(server.url, { Authorization: 'Bearer s3cret' });
    const progress: number[] = [];
    const calls = await Promise.all(
      ['a', 'b', 'c'].map((text) =>
        client.callTool({ name: 'echo', arguments: { text } }, undefined, {
          onprogress: (p) => progress.push(p.progress),
        }),
      ),
    );
    expect(calls.map((c) => (c.content as { text: string }[])[0]?.text)).toEqual(['a', 'b', 'c']);
    // A JSON answer cannot carry the progress that came before it.
    expect(progress).toEqual(json ? [] : [1, 1, 1]);
    const posts = server.seen.filter((s) => s.method === 'POST');
    expect(posts.every((s) => s.headers.authorization === 'Bearer s3cret')).toBe(true);
    const [id] = [...server.sessions.keys()];
    expect(posts.slice(1).every((s) => s.headers['mcp-session-id'] === id)).toBe(true);
    expect(posts.at(-1)?.headers['mcp-protocol-version']).toBe(LATEST_PROTOCOL_VERSION);
    await client.close();
  });
});

describe('mcpx Streamable HTTP client', () => {
  it('opens the GET stream after initialized and reopens it past failures, so list_changed arrives', async () => {
    const server = await stand(false);
    // The SDK's transport gave up on the GET stream after two failed attempts.
    server.refuseGets = 3;
    const client = await connect(server.url);
    let changed = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changed++);
    const [session] = [...server.sessions.values()];
    await until(
      'list_changed over the reopened GET stream',
      () => changed > 0,
      { timeoutMs: 20_000, everyMs: 200 },
      async () => session?.mcp.sendToolListChanged(),
    );
    expect(server.seen.filter((s) => s.method === 'GET').length).toBeGreaterThanOrEqual(4);
    await client.close();
  });

  it('a session the server no longer knows fails calls with the SDK 404 error', async () => {
    const server = await stand(true);
    const client = await connect(server.url);
    server.sessions.clear();
    const error = await client.listTools().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamableHTTPError);
    expect((error as StreamableHTTPError).code).toBe(404);
    expect((error as Error).message).toContain('Session not found');
    await client.close();
  });

  it('records an answer that is not MCP, for the connection error', async () => {
    const page = createServer((_req, res) =>
      res.writeHead(404, { 'content-type': 'text/html' }).end('\n<!DOCTYPE html>\n<p>nope</p>'),
    );
    await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
    const answers: HttpAnswer[] = [];
    const url = `http://127.0.0.1:${(page.address() as AddressInfo).port}/mcp`;
    const error = await connect(url, undefined, (a) => answers.push(a)).catch((e: unknown) => e);
    page.closeAllConnections();
    await new Promise((resolve) => page.close(resolve));
    expect((error as StreamableHTTPError).code).toBe(404);
    expect(answers).toEqual([
      {
        method: 'POST',
        status: 404,
        statusText: 'Not Found',
        contentType: 'text/html',
        firstLine: '<!DOCTYPE html>',
      },
    ]);
  });

  it('close() ends a call in flight at once, on both sides', async () => {
    const server = await stand(false);
    const client = await connect(server.url);
    const call = client.callTool({ name: 'slow', arguments: {} }).catch((e: unknown) => e);
    await until('the slow call to reach the server', () => server.slowStarted === 1);
    await client.close();
    expect(await call).toBeInstanceOf(Error);
    await until('the server to see the request ended', () => server.aborted === 1);
  });
});
