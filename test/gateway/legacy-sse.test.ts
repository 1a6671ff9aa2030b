// The gateway's endpoints for old clients (HTTP+SSE, protocol 2024-11-05): GET /sse + POST
// /messages?sessionId=, in one process: a real SDK server behind it (over an in-memory transport,
// standing in for a replica), the real HTTP endpoint on 127.0.0.1, and the SDK's own
// SSEClientTransport in front, as an old client has it.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Gateway } from '../../src/gateway/gateway.js';
import type { GatewayServer } from '../../src/gateway/http.js';
import { listRaw } from '../../src/server/surface.js';
import {
  type TestUpstream,
  inMemoryUpstream,
  listenGateway,
  readyReplica,
} from '../helpers/in-process-gateway.js';
import { until } from '../helpers/until.js';

const TOKEN = 'b'.repeat(43);

/** What the SSE client's progress callback received. */
const seenProgress: number[] = [];

async function upstream(): Promise<TestUpstream & { server: McpServer }> {
  const server = new McpServer({ name: 'alpha', version: '1' });
  server.registerTool('echo', { inputSchema: { text: z.string() } }, ({ text }) => ({
    content: [{ type: 'text', text: `alpha: ${text}` }],
  }));
  // Each step waits until the caller saw the last one: an SDK client drops progress that arrives
  // in one chunk with its result (it handles notifications a microtask late, typescript-sdk#2580).
  server.registerTool('steps', {}, async (extra) => {
    const token = extra._meta?.progressToken;
    if (token === undefined) return { content: [{ type: 'text', text: 'no progress token' }] };
    for (const progress of [1, 2]) {
      await extra.sendNotification({
        method: 'notifications/progress',
        params: { progressToken: token, progress, total: 2 },
      });
      await until(`progress ${progress} at the caller`, () => seenProgress.length === progress);
    }
    return { content: [{ type: 'text', text: 'done' }] };
  });
  return Object.assign(await inMemoryUpstream(server), { server });
}

describe('the gateway for legacy SSE clients', () => {
  let http: GatewayServer;
  let gateway: Gateway;
  let up: Awaited<ReturnType<typeof upstream>>;
  const clients: Client[] = [];

  beforeEach(async () => {
    up = await upstream();
    const replicas = [readyReplica('alpha', 0, up)];
    ({ gateway, http } = await listenGateway({
      server: 'alpha',
      replicas: () => replicas,
      token: TOKEN,
      readiness: () => ({ alpha: { ready: 1, replicas: 1, states: ['ready'] } }),
    }));
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) await client.close();
    await http.close();
  });

  const sseUrl = (): URL => new URL('/sse', http.url);

  async function connect(): Promise<Client & { changed: number }> {
    const client = Object.assign(new Client({ name: 'old', version: '1' }), { changed: 0 });
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      client.changed++;
    });
    await client.connect(
      new SSEClientTransport(sseUrl(), {
        requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
      }),
    );
    clients.push(client);
    return client;
  }

  it('lists and calls the cluster’s tools, with progress and list_changed on the stream', async () => {
    const client = await connect();
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['alpha__echo', 'alpha__steps']);
    expect(await client.callTool({ name: 'alpha__echo', arguments: { text: 'hi' } })).toMatchObject(
      { content: [{ type: 'text', text: 'alpha: hi' }] },
    );
    const result = await client.callTool({ name: 'alpha__steps', arguments: {} }, undefined, {
      onprogress: (p) => seenProgress.push(p.progress),
    });
    expect(result).toMatchObject({ content: [{ text: 'done' }] });
    expect(seenProgress).toEqual([1, 2]);

    up.server.registerTool('more', {}, () => ({ content: [] }));
    (up as { raw: unknown }).raw = await listRaw(up.client, 5000);
    gateway.changed();
    await until('list_changed at the SSE client', () => client.changed === 1);
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('alpha__more');
  });

  it('ends the session when the client closes its stream', async () => {
    const client = await connect();
    await client.listTools();
    expect(gateway.sessions.size).toBe(1);
    await client.close();
    clients.splice(0);
    await until('the session ended', () => gateway.sessions.size === 0);
  });

  it('answers 401 without the token, 403 for a foreign Origin or Host, 404 for an unknown session, 405 for other methods', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const get = (headers: Record<string, string>) =>
      fetch(sseUrl(), { headers: { accept: 'text/event-stream', ...headers } });
    expect((await get({})).status).toBe(401);
    expect((await get({ authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await get({ ...auth, origin: 'http://evil.example' })).status).toBe(403);
    const message = (sessionId: string, headers: Record<string, string>) =>
      fetch(new URL(`/messages?sessionId=${sessionId}`, http.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
      });
    expect((await message('no-such-session', auth)).status).toBe(404);
    expect((await message('no-such-session', {})).status).toBe(401);
    expect((await fetch(sseUrl(), { method: 'POST', headers: auth })).status).toBe(405);
    // A Host that is not this gateway (DNS rebinding): refused before anything else.
    const rebound = await new Promise<number>((resolve, reject) => {
      import('node:http')
        .then(({ request }) => {
          const req = request(sseUrl(), { headers: { ...auth, host: 'evil.example' } }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.on('error', reject);
          req.end();
        })
        .catch(reject);
    });
    expect(rebound).toBe(403);
    // With the token and a local Origin, the stream opens and names its message endpoint.
    const controller = new AbortController();
    const ok = await fetch(sseUrl(), {
      headers: { ...auth, origin: new URL(http.url).origin },
      signal: controller.signal,
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('text/event-stream');
    const reader = ok.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toMatch(/^event: endpoint\ndata: \/messages\?sessionId=[\w-]+\n/);
    controller.abort();
  });
});
