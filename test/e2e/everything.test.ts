/**
 * Acceptance of #10: a third-party server behind the gateway. @modelcontextprotocol/server-everything
 * (installed by the test, pinned, run in its stdio mode) serves two entries of one workspace:
 *   ev   shared (the default): every downstream session uses the one replica; it runs behind
 *        test/fixtures/stdio-tap.ts, which reports on stderr what the server was sent, because
 *        server-everything itself ignores a cancellation without a trace (its long-running tool has
 *        no abort handling; the SDK just drops the result).
 *   evs  isolation "session": a dedicated instance per downstream session.
 * Clients are the SDK's real Client over Streamable HTTP to the gateway's /mcp with its token.
 *
 * server-everything's tools used: trigger-long-running-operation (progress each step when the
 * request has a progressToken; arguments duration in seconds, steps), trigger-sampling-request
 * (sends sampling/createMessage to its client; registered only when the client, here the gateway's
 * upstream Client, declares sampling).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CallToolResultSchema,
  CreateMessageRequestSchema,
  type CreateMessageResult,
  type JSONRPCMessage,
  type Progress,
} from '@modelcontextprotocol/sdk/types.js';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayCluster, removeDir, startGateway } from '../helpers/gateway.js';
import { installPinned } from '../helpers/npm-package.js';
import { waitForExit } from '../helpers/processes.js';
import { until } from '../helpers/until.js';
import { fixture, statusOf } from '../helpers/workspace.js';

const EVERYTHING = '2026.8.31';

let dir: string;
let cluster: GatewayCluster;
let rootsAtStart: string;
let listingRootsAtStart: string;
const clients: Connected[] = [];

beforeAll(async () => {
  const everything = await installPinned('@modelcontextprotocol/server-everything', EVERYTHING);
  const server = await everything.bin('mcp-server-everything');
  dir = await mkdtemp(join(tmpdir(), 'mcpx-everything-'));
  await writeFile(
    join(dir, 'mcpx.json'),
    JSON.stringify(
      {
        mcpServers: {
          ev: { command: 'node', args: [fixture('stdio-tap'), server, 'stdio'] },
          evs: { command: 'node', args: [server, 'stdio'], isolation: 'session' },
        },
      },
      null,
      2,
    ),
  );
  cluster = await startGateway(dir);
  // 350 ms after initialize server-everything asks its client (the gateway) for roots and prints on
  // stderr why that failed. Waited for before any test calls a tool: with a call in flight, the
  // request would go to that caller instead.
  rootsAtStart = await cluster.dev.waitFor(/ev\s+\| Failed to request roots from client/, {
    after: 0,
    timeoutMs: 20_000,
  });
  listingRootsAtStart = await cluster.dev.waitFor(/evs\s+\| Failed to request roots from client/, {
    after: 0,
    timeoutMs: 20_000,
  });
}, 240_000);

afterEach(async () => {
  // Ending a session (DELETE) is what stops its dedicated instance of evs.
  for (const c of clients.splice(0)) {
    await c.transport.terminateSession().catch(() => undefined);
    await c.client.close();
  }
});

afterAll(async () => {
  const left = await cluster?.stop();
  if (dir !== undefined) await removeDir(dir);
  expect(left ?? []).toEqual([]);
}, 60_000);

interface Connected {
  client: Client;
  transport: StreamableHTTPClientTransport;
  /** Every message the gateway sent this client, as it arrived. */
  received: JSONRPCMessage[];
  /** Every message this client sent. */
  sent: JSONRPCMessage[];
}

/** An SDK Client on the gateway's /mcp; `sampling` answers sampling/createMessage when given. */
async function connect(
  name: string,
  sampling?: (prompt: string) => CreateMessageResult,
): Promise<Connected> {
  const transport = new StreamableHTTPClientTransport(new URL(cluster.url), {
    requestInit: { headers: cluster.headers() },
  });
  const client = new Client(
    { name, version: '1.0.0' },
    { capabilities: sampling === undefined ? {} : { sampling: {} } },
  );
  if (sampling !== undefined)
    client.setRequestHandler(CreateMessageRequestSchema, (request) => {
      const content = request.params.messages[0]?.content;
      return sampling(content !== undefined && 'text' in content ? String(content.text) : '');
    });
  const connected: Connected = { client, transport, received: [], sent: [] };
  clients.push(connected);
  await client.connect(transport);
  // Recorded beneath the SDK, to see the progress tokens as they travel.
  const deliver = transport.onmessage;
  transport.onmessage = (message: JSONRPCMessage) => {
    connected.received.push(message);
    deliver?.(message);
  };
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    connected.sent.push(...(Array.isArray(message) ? message : [message]));
    return send(message, options);
  };
  return connected;
}

const progressTokens = (messages: JSONRPCMessage[]): unknown[] =>
  messages.flatMap((m) =>
    'method' in m && m.method === 'notifications/progress' ? [m.params?.progressToken] : [],
  );

const callLongRunning = (
  c: Connected,
  args: { duration: number; steps: number },
  options: { onprogress?: (p: Progress) => void; signal?: AbortSignal } = {},
) =>
  c.client.request(
    {
      method: 'tools/call',
      params: { name: 'ev__trigger-long-running-operation', arguments: args },
    },
    CallToolResultSchema,
    { ...options, timeout: 60_000 },
  );

const textOf = (result: { content: unknown[] }): string =>
  result.content.map((c) => (c as { text?: string }).text ?? '').join('\n');

describe('progress', () => {
  it("reaches the caller with the caller's own token, and no other session", async () => {
    const a = await connect('progress-a');
    const steps: Progress[] = [];
    const mark = cluster.dev.mark();
    const call = callLongRunning(
      a,
      { duration: 2, steps: 4 },
      { onprogress: (p) => steps.push(p) },
    );
    await until('the first progress notification', () => steps.length > 0, { timeoutMs: 20_000 });
    // A second session connects while A's call runs: A's progress must not follow it.
    const b = await connect('progress-b');
    const result = await call;
    expect(textOf(result)).toContain('Long running operation completed');
    expect(steps.map((p) => [p.progress, p.total])).toEqual([
      [1, 4],
      [2, 4],
      [3, 4],
      [4, 4],
    ]);
    const request = a.sent.find((m) => 'method' in m && m.method === 'tools/call') as {
      params: { _meta: { progressToken: unknown } };
    };
    const token = request.params._meta.progressToken;
    expect(progressTokens(a.received)).toEqual([token, token, token, token]);
    expect(progressTokens(b.received)).toEqual([]);
    // Upstream the call carried a token of the gateway's own connection, not the caller's.
    const upstream = await cluster.dev.waitFor(
      /ev\s+\| tap: tools\/call .*name=trigger-long-running-operation progressToken=/,
      { after: mark },
    );
    const upstreamToken = /progressToken=(\S+)/.exec(upstream)![1];
    expect(upstreamToken).not.toBe('null');
    expect(upstreamToken).not.toBe(JSON.stringify(token));
  }, 60_000);
});

describe('cancellation', () => {
  it('a call the client aborts is cancelled upstream, with the upstream request id', async () => {
    const c = await connect('canceller');
    await c.client.ping();
    const controller = new AbortController();
    let progressed = 0;
    const mark = cluster.dev.mark();
    const call = callLongRunning(
      c,
      { duration: 60, steps: 60 },
      { signal: controller.signal, onprogress: () => (progressed += 1) },
    );
    // Progress means the call runs upstream: the cancellation has something to cancel.
    await until('progress of the long call', () => progressed > 0, { timeoutMs: 20_000 });
    const sent = await cluster.dev.waitFor(
      /ev\s+\| tap: tools\/call id=(\S+) name=trigger-long-running-operation/,
      { after: mark },
    );
    const upstreamId = /id=(\S+)/.exec(sent)![1];
    const request = c.sent.find((m) => 'method' in m && m.method === 'tools/call') as {
      id: number;
    };
    // The ids of two connections: forwarding the caller's id would cancel some other request.
    expect(upstreamId).not.toBe(String(request.id));
    controller.abort('the user pressed stop');
    await expect(call).rejects.toThrow();
    const cancelled = await cluster.dev.waitFor(/ev\s+\| tap: notifications\/cancelled/, {
      after: mark,
    });
    expect(cancelled).toContain(`requestId=${upstreamId} `);
    await cluster.dev.waitFor(
      /gateway\s+\| tools\/call trigger-long-running-operation -> ev cancelled in \d+ ms/,
      { after: mark },
    );
    // The gateway counts the call as finished, not as in flight for the next 59 s.
    let inFlight: number | undefined;
    await until(
      'no call in flight on ev',
      () => inFlight === 0,
      { timeoutMs: 10_000, everyMs: 200 },
      async () => {
        const snapshot = await statusOf(dir);
        inFlight = snapshot?.replicas.find((r) => r.server === 'ev')?.calls?.inFlight;
      },
    );
  }, 60_000);
});

describe('server requests with no call in flight', () => {
  it('get the clear error naming isolation "session" (server-everything asks roots/list as it starts)', () => {
    expect(rootsAtStart).toMatch(/roots\/list, .* no client has a call in flight/);
    expect(rootsAtStart).toMatch(/"?isolation"?: "session"/);
  });

  it('of the instance an isolation "session" server keeps for its lists say so, not "set isolation"', () => {
    expect(listingRootsAtStart).toMatch(/evs sent roots\/list from the instance mcpx runs to list/);
    expect(listingRootsAtStart).not.toMatch(/Set "isolation"/);
  });
});

describe('sampling', () => {
  const answer =
    (who: string) =>
    (prompt: string): CreateMessageResult => ({
      model: `${who}-model`,
      role: 'assistant',
      content: { type: 'text', text: `${who} answers: ${prompt}` },
    });

  it('with isolation "session", reaches the sampling handler of the client that called', async () => {
    const [a, b] = await Promise.all([
      connect('sampler-a', answer('A')),
      connect('sampler-b', answer('B')),
    ]);
    const call = (c: Connected, prompt: string) =>
      c.client.request(
        {
          method: 'tools/call',
          params: { name: 'evs__trigger-sampling-request', arguments: { prompt } },
        },
        CallToolResultSchema,
        { timeout: 60_000 },
      );
    // Both at once: each session's own instance asks its own client.
    const [ra, rb] = await Promise.all([call(a, 'from a'), call(b, 'from b')]);
    expect(ra.isError ?? false, textOf(ra)).toBe(false);
    expect(textOf(ra)).toContain('A answers: Resource trigger-sampling-request context: from a');
    expect(textOf(ra)).toContain('A-model');
    expect(textOf(rb)).toContain('B answers: Resource trigger-sampling-request context: from b');

    // One dedicated instance per session, and each goes when its session ends.
    const dedicated = async () =>
      (await statusOf(dir))?.replicas.filter((r) => r.server === 'evs' && r.session !== undefined);
    const instances = (await dedicated()) ?? [];
    expect(instances.map((r) => r.session).sort()).toEqual(
      [a.transport.sessionId, b.transport.sessionId].sort(),
    );
    await a.transport.terminateSession();
    await b.transport.terminateSession();
    let left: unknown[] | undefined = instances;
    await until(
      'the dedicated instances to stop',
      () => left?.length === 0,
      { timeoutMs: 20_000, everyMs: 200 },
      async () => {
        left = await dedicated();
      },
    );
    for (const r of instances) expect(await waitForExit(r.pid!, 10_000)).toBe(true);
  }, 60_000);

  it('shared, with one session calling, reaches that session', async () => {
    const a = await connect('only-caller', answer('A'));
    const result = await a.client.request(
      {
        method: 'tools/call',
        params: { name: 'ev__trigger-sampling-request', arguments: { prompt: 'p' } },
      },
      CallToolResultSchema,
      { timeout: 60_000 },
    );
    expect(result.isError ?? false, textOf(result)).toBe(false);
    expect(textOf(result)).toContain('A answers: Resource trigger-sampling-request context: p');
  }, 60_000);

  it('shared, with two sessions calling, gets the clear error naming isolation "session"', async () => {
    const busy = await connect('busy', answer('busy'));
    const asker = await connect('asker', answer('asker'));
    const controller = new AbortController();
    let progressed = 0;
    const long = callLongRunning(
      busy,
      { duration: 60, steps: 60 },
      { signal: controller.signal, onprogress: () => (progressed += 1) },
    ).catch(() => undefined);
    await until('the busy session to have a call in flight', () => progressed > 0, {
      timeoutMs: 20_000,
    });
    let asked = 0;
    asker.client.setRequestHandler(CreateMessageRequestSchema, () => {
      asked += 1;
      return answer('asker')('');
    });
    const result = await asker.client.request(
      {
        method: 'tools/call',
        params: { name: 'ev__trigger-sampling-request', arguments: { prompt: 'q' } },
      },
      CallToolResultSchema,
      { timeout: 60_000 },
    );
    controller.abort();
    await long;
    // server-everything turns the failed sampling request into a tool error with its message.
    expect(result.isError, textOf(result)).toBe(true);
    expect(textOf(result)).toMatch(/sampling\/createMessage/);
    expect(textOf(result)).toMatch(/2 clients have calls in flight/);
    expect(textOf(result)).toMatch(/"?isolation"?: "session"/);
    expect(asked).toBe(0);
  }, 60_000);
});
