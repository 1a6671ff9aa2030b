// The gateway's forwarding rules, in one process: real SDK servers behind it (over in-memory
// transports, standing in for the supervisor's replicas), the real HTTP endpoint on 127.0.0.1, and
// real SDK clients in front. What real server processes add is tested in test/e2e.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CreateMessageRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListResourcesRequestSchema,
  ResourceUpdatedNotificationSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
  LoggingMessageNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Gateway } from '../../src/gateway/gateway.js';
import type { GatewayServer } from '../../src/gateway/http.js';
import { listRaw } from '../../src/server/surface.js';
import type { Upstream } from '../../src/server/upstream.js';
import type { Replica } from '../../src/supervisor/replica.js';
import { INITIALIZE } from '../helpers/initialize.js';
import {
  type TestUpstream,
  inMemoryUpstream,
  listenGateway,
  readyReplica,
} from '../helpers/in-process-gateway.js';
import { until } from '../helpers/until.js';

const TOKEN = 'a'.repeat(43);

/** What the upstream servers saw, for the assertions. */
interface Seen {
  cancelled: number;
  samplingErrors: string[];
}

/** An SDK server with the tools the rules need, reached through an in-memory transport. */
async function upstream(name: string, seen: Seen): Promise<TestUpstream & { server: McpServer }> {
  const server = new McpServer({ name, version: '1' }, { capabilities: { logging: {} } });
  server.registerTool('echo', { inputSchema: { text: z.string() } }, ({ text }) => ({
    content: [{ type: 'text', text: `${name}: ${text}` }],
  }));
  server.registerTool(
    'slow',
    { annotations: { readOnlyHint: true } },
    async (extra) =>
      new Promise((resolve) => {
        const token = extra._meta?.progressToken;
        if (token !== undefined)
          void extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken: token, progress: 1, total: 2 },
          });
        extra.signal.addEventListener('abort', () => {
          seen.cancelled++;
          resolve({ content: [{ type: 'text', text: 'cancelled' }] });
        });
      }),
  );
  server.registerTool('sample', {}, async () => {
    try {
      const answer = await server.server.createMessage({
        messages: [{ role: 'user', content: { type: 'text', text: 'hi' } }],
        maxTokens: 5,
      });
      return { content: [{ type: 'text', text: JSON.stringify(answer.content) }] };
    } catch (error) {
      seen.samplingErrors.push(String(error));
      return { content: [{ type: 'text', text: String(error) }], isError: true };
    }
  });
  // A resource, but no subscriptions: what most servers offer.
  server.registerResource('note', `note://${name}`, {}, (uri) => ({
    contents: [{ uri: uri.href, text: 'a note' }],
  }));
  const self = Object.assign(
    await inMemoryUpstream(server, { sampling: {}, roots: { listChanged: true } }),
    { server },
  );
  self.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) =>
    self.peer?.log(n.params),
  );
  self.client.setRequestHandler(CreateMessageRequestSchema, (request, extra) => {
    if (self.peer === undefined) throw new Error('no peer');
    return self.peer.request(request, extra.signal) as never;
  });
  return self;
}

describe('gateway forwarding', () => {
  let http: GatewayServer;
  let gateway: Gateway;
  let replicas: (Replica & { state: string })[];
  const seen: Seen = { cancelled: 0, samplingErrors: [] };
  const clients: Client[] = [];

  beforeEach(async () => {
    replicas = [readyReplica('alpha', 0, await upstream('alpha', seen))];
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

  async function connect(
    capabilities: Record<string, unknown> = {},
  ): Promise<Client & { changed: number }> {
    const client = Object.assign(new Client({ name: 't', version: '1' }, { capabilities }), {
      changed: 0,
    });
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      client.changed++;
    });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(http.url), {
        requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
      }),
    );
    clients.push(client);
    return client;
  }

  it('sends progress with the caller’s own token, to the caller only', async () => {
    const a = await connect();
    const progress: number[] = [];
    const controller = new AbortController();
    const call = a.callTool({ name: 'alpha__slow', arguments: {} }, undefined, {
      signal: controller.signal,
      onprogress: (p) => progress.push(p.progress),
    });
    await until('progress at the caller', () => progress.length === 1);
    // A second client connected meanwhile gets nothing of it, and has its own calls answered.
    const b = await connect();
    expect(await b.callTool({ name: 'alpha__echo', arguments: { text: 'hi' } })).toMatchObject({
      content: [{ text: 'alpha: hi' }],
    });
    // Cancelling the call downstream cancels it upstream (by the upstream request's own id).
    const before = seen.cancelled;
    controller.abort();
    await expect(call).rejects.toThrow();
    await until('the upstream call cancelled', () => seen.cancelled === before + 1);
    await until('the call counted out', () => replicas[0]!.current!.calls!.inFlight === 0);
  });

  it('passes on a server’s refusal of resources/subscribe, each time it is asked', async () => {
    const a = await connect();
    // The server has no subscriptions: its error, as it wrote it; and a refused subscription is
    // not held, so asking again asks the server again instead of pretending to hold one.
    for (let attempt = 0; attempt < 2; attempt++)
      await expect(a.subscribeResource({ uri: 'note://alpha' })).rejects.toThrow(
        /^MCP error -32601: Method not found$/,
      );
  });

  it('says list_changed when the lists change, and only then', async () => {
    const a = await connect();
    const up = replicas[0]!.current!.upstream! as Upstream & { server: McpServer };
    // Notifications outside a call go on the client's own stream, which it opens after initialize:
    // a server log (which the session asked for) that arrives shows the stream is there.
    const logs: unknown[] = [];
    a.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logs.push(n.params));
    await a.setLoggingLevel('info');
    await until(
      'a server log at the client',
      () => logs.length > 0,
      {},
      () => up.server.server.sendLoggingMessage({ level: 'info', data: 'hello' }),
    );
    expect(logs[0]).toEqual({ level: 'info', data: 'hello', logger: 'alpha' });
    const change = async (name: string) => {
      up.server.registerTool(name, {}, () => ({ content: [] }));
      (up as { raw: unknown }).raw = await listRaw(up.client, 5000);
      gateway.changed();
    };
    await change('one');
    await until('one list_changed', () => a.changed === 1);
    expect((await a.listTools()).tools.map((t) => t.name)).toContain('alpha__one');
    // A change of something else (a replica's state flip with equal lists) says nothing...
    gateway.changed();
    gateway.changed();
    // ...which the next real change shows: the count goes up by exactly one.
    await change('two');
    await until('a second list_changed', () => a.changed >= 2);
    expect((await a.listTools()).tools.map((t) => t.name)).toContain('alpha__two');
    expect(a.changed).toBe(2);
  });

  it('routes a server’s sampling request to the one session with a call in flight, and refuses when it cannot tell', async () => {
    const a = await connect({ sampling: {} });
    a.setRequestHandler(CreateMessageRequestSchema, () => ({
      role: 'assistant',
      model: 'test',
      content: { type: 'text', text: 'from a' },
    }));
    const result = await a.callTool({ name: 'alpha__sample', arguments: {} });
    expect(result.isError).toBeFalsy();
    expect(JSON.stringify(result.content)).toContain('from a');

    // Two sessions with calls in flight on the one instance: which client to ask is ambiguous.
    const b = await connect({ sampling: {} });
    const hold = new AbortController();
    const slow = b.callTool({ name: 'alpha__slow', arguments: {} }, undefined, {
      signal: hold.signal,
    });
    await until('b in flight', () => replicas[0]!.current!.calls!.inFlight === 1);
    const ambiguous = await a.callTool({ name: 'alpha__sample', arguments: {} });
    expect(ambiguous.isError).toBe(true);
    expect(seen.samplingErrors.at(-1)).toMatch(
      /2 clients have calls in flight.*"isolation": "session"/,
    );
    hold.abort();
    await expect(slow).rejects.toThrow();
  });

  it('answers a tool its server does not list with -32602 and the closest name', async () => {
    const a = await connect();
    await expect(a.callTool({ name: 'alpha__ecko', arguments: {} })).rejects.toThrow(
      /-32602.*Unknown tool "alpha__ecko".*did you mean "alpha__echo"/,
    );
  });

  it('tells a call to a server with no ready replica why, as a tool error', async () => {
    const a = await connect();
    replicas[0]!.state = 'crashed';
    (replicas[0] as unknown as { snapshot: () => unknown }).snapshot = () => ({
      state: 'crashed',
      lastError: 'crashed: exited with code 1',
    });
    const result = await a.callTool({ name: 'alpha__echo', arguments: { text: 'x' } });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toMatch(
      /alpha has no ready instance.*crashed: exited with code 1/,
    );
    // A name with no server behind it is a protocol error, not a tool error.
    await expect(a.callTool({ name: 'nope__echo', arguments: {} })).rejects.toThrow(
      /Unknown tool "nope__echo"/,
    );
  });

  it('answers 401 without the token, 403 for a foreign Origin or Host, 404 for an unknown session', async () => {
    const post = (headers: Record<string, string>) =>
      fetch(http.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...headers,
        },
        body: JSON.stringify(INITIALIZE),
      });
    expect((await post({})).status).toBe(401);
    expect((await post({ authorization: 'Bearer wrong' })).status).toBe(401);
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect((await post({ ...auth, origin: 'http://evil.example' })).status).toBe(403);
    expect((await post({ ...auth, 'mcp-session-id': 'no-such-session' })).status).toBe(404);
    const ok = await post({ ...auth, origin: new URL(http.url).origin });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('mcp-session-id')).toBeTruthy();
    const health = await fetch(new URL('/healthz', http.url));
    expect(health.status).toBe(200);
    const ready = await fetch(new URL('/readyz', http.url));
    expect(await ready.json()).toMatchObject({ ready: true, servers: { alpha: { ready: 1 } } });
  });
});

describe('gateway subscriptions', () => {
  let http: GatewayServer;
  const clients: Client[] = [];
  const upstreamSubscriptions = { subscribe: 0, unsubscribe: 0 };
  let server: Server;

  beforeEach(async () => {
    server = new Server(
      { name: 'live', version: '1' },
      { capabilities: { resources: { subscribe: true } } },
    );
    server.setRequestHandler(ListResourcesRequestSchema, () => ({
      resources: [{ uri: 'live://x', name: 'x' }],
    }));
    server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({ resourceTemplates: [] }));
    server.setRequestHandler(SubscribeRequestSchema, () => {
      upstreamSubscriptions.subscribe++;
      return {};
    });
    server.setRequestHandler(UnsubscribeRequestSchema, () => {
      upstreamSubscriptions.unsubscribe++;
      return {};
    });
    const up = await inMemoryUpstream(server);
    up.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) =>
      up.peer?.resourceUpdated(n.params.uri),
    );
    const replicas = [readyReplica('live', 0, up)];
    ({ http } = await listenGateway({ server: 'live', replicas: () => replicas, token: TOKEN }));
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) await client.close();
    await http.close();
  });

  /** A client whose GET stream (where resources/updated goes) is open, counting its updates. */
  async function listener(): Promise<Client & { updates: number }> {
    let listening = false;
    const client = Object.assign(new Client({ name: 't', version: '1' }), { updates: 0 });
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, () => {
      client.updates++;
    });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(http.url), {
        requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
        fetch: async (input, init) => {
          const response = await fetch(input, init);
          if (init?.method === 'GET' && response.ok) listening = true;
          return response;
        },
      }),
    );
    clients.push(client);
    await until('its GET stream', () => listening);
    return client;
  }

  it('holds one upstream subscription per URI, and tells only the sessions that subscribed', async () => {
    const before = { ...upstreamSubscriptions };
    const [a, b, c] = [await listener(), await listener(), await listener()];
    await a.subscribeResource({ uri: 'live://x' });
    await b.subscribeResource({ uri: 'live://x' });
    expect(upstreamSubscriptions.subscribe - before.subscribe).toBe(1);

    await server.sendResourceUpdated({ uri: 'live://x' });
    await until('a and b told', () => a.updates === 1 && b.updates === 1);
    // c did not subscribe: the next update after it does is the first it hears of.
    await c.subscribeResource({ uri: 'live://x' });
    await server.sendResourceUpdated({ uri: 'live://x' });
    await until('all three told', () => a.updates === 2 && b.updates === 2 && c.updates === 1);

    await a.unsubscribeResource({ uri: 'live://x' });
    await b.unsubscribeResource({ uri: 'live://x' });
    expect(upstreamSubscriptions.unsubscribe - before.unsubscribe).toBe(0);
    await c.unsubscribeResource({ uri: 'live://x' });
    expect(upstreamSubscriptions.unsubscribe - before.unsubscribe).toBe(1);
  });
});
