// The gateway of a real `mcpx dev` with real server processes: what it prints, its endpoints and
// views, its log events, isolation "session", and a port that is taken.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/logs/event.js';
import { mcpx } from '../helpers/cli.js';
import { type DevProcess, startDevProcess } from '../helpers/dev-process.js';
import { until } from '../helpers/until.js';
import {
  fixture,
  fixtureWorkspace,
  readySnapshot,
  removeWorkspaces,
  statusOf,
} from '../helpers/workspace.js';

describe('the gateway of mcpx dev', () => {
  let dir: string;
  let dev: DevProcess;
  let url: string;
  let token: string;
  const clients: Client[] = [];

  beforeAll(async () => {
    dir = await fixtureWorkspace({
      one: { command: 'node', args: [fixture('good-stdio')] },
      two: {
        command: 'node',
        args: [fixture('good-stdio')],
        gateway: { prefix: 't2' },
        isolation: 'session',
      },
      grows: { command: 'node', args: [fixture('grows')] },
    });
    dev = startDevProcess(dir, ['--no-watch']);
    const line = await dev.waitFor(/gateway http:\/\/127\.0\.0\.1:\d+\/mcp/, 60_000);
    expect(line).toMatch(/gateway (\S+) — 7 tools, 3 resources, 0 prompts from 3 servers$/);
    url = /gateway (\S+)/.exec(line)![1]!;
    token = (await readFile(join(dir, '.mcpx', 'gateway-token'), 'utf8')).trim();
  }, 120_000);

  afterAll(async () => {
    for (const client of clients) await client.close();
    dev.child.kill('SIGTERM');
    await dev.exited;
    await removeWorkspaces();
  });

  async function connect(path = '/mcp'): Promise<{
    client: Client;
    transport: StreamableHTTPClientTransport;
    /** Whether the client's GET stream (where notifications outside calls go) is open. */
    listening: () => boolean;
  }> {
    const client = new Client({ name: 'test', version: '1' });
    let listening = false;
    const transport = new StreamableHTTPClientTransport(new URL(path, url), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        if (init?.method === 'GET' && response.ok) listening = true;
        return response;
      },
    });
    await client.connect(transport);
    clients.push(client);
    return { client, transport, listening: () => listening };
  }

  it('serves every server prefixed, resources that collide rewritten, and logs each call', async () => {
    const { client, transport } = await connect();
    const tools = (await client.listTools()).tools.map((t) => t.name).sort();
    expect(tools).toEqual([
      'grows__add',
      'grows__echo',
      'grows__grow',
      'one__add',
      'one__echo',
      't2__add',
      't2__echo',
    ]);
    // Three servers list fixture://version: each is served under its own, stable URI.
    const uris = (await client.listResources()).resources.map((r) => r.uri).sort();
    expect(uris).toEqual([
      'mcpx://grows/fixture%3A%2F%2Fversion',
      'mcpx://one/fixture%3A%2F%2Fversion',
      'mcpx://t2/fixture%3A%2F%2Fversion',
    ]);
    const read = await client.readResource({ uri: 'mcpx://one/fixture%3A%2F%2Fversion' });
    expect(read.contents[0]).toMatchObject({
      uri: 'mcpx://one/fixture%3A%2F%2Fversion',
      text: '1',
    });
    const sum = await client.callTool({ name: 'one__add', arguments: { a: 2, b: 3 } });
    expect(sum.content).toEqual([{ type: 'text', text: '5' }]);

    let events: LogEvent[] = [];
    await until(
      'the call in the log store',
      () => events.some((e) => (e.data as { name?: string } | undefined)?.name === 'add'),
      { timeoutMs: 20_000, everyMs: 200 },
      async () => {
        const logs = await mcpx(['logs', '--server', 'gateway', '--json'], { cwd: dir });
        events = logs.stdout
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => JSON.parse(line) as LogEvent);
      },
    );
    const call = events.find((e) => (e.data as { name?: string }).name === 'add');
    expect(call).toMatchObject({
      server: 'gateway',
      data: {
        session: transport.sessionId,
        server: 'one',
        replica: 0,
        method: 'tools/call',
        name: 'add',
        outcome: 'ok',
      },
    });
    expect(call?.msg).toMatch(/^tools\/call add -> one ok in \d+ ms \(session \w{8}\)$/);
  });

  it('follows a server whose own list changes, and tells clients', async () => {
    const { client, listening } = await connect();
    let changed = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changed++);
    // Notifications outside a call ride the client's GET stream, opened after initialize: a change
    // before it is open would reach no one.
    await until('the client stream', listening, { timeoutMs: 20_000 });
    const grown = await client.callTool({ name: 'grows__grow', arguments: {} });
    expect(grown.content).toEqual([{ type: 'text', text: 'grown_1' }]);
    await until('tools/list_changed', () => changed === 1, { timeoutMs: 20_000 });
    const tools = (await client.listTools()).tools.map((t) => t.name);
    expect(tools).toContain('grows__grown_1');
    const call = await client.callTool({ name: 'grows__grown_1', arguments: {} });
    expect(call.content).toEqual([{ type: 'text', text: 'grown 1' }]);
  });

  it('serves one server with its own names, and a chosen few prefixed', async () => {
    const one = await connect('/servers/one/mcp');
    expect((await one.client.listTools()).tools.map((t) => t.name).sort()).toEqual(['add', 'echo']);
    expect((await one.client.listResources()).resources.map((r) => r.uri)).toEqual([
      'fixture://version',
    ]);
    const some = await connect('/mcp?servers=two');
    expect((await some.client.listTools()).tools.map((t) => t.name).sort()).toEqual([
      't2__add',
      't2__echo',
    ]);
    const unknown = await fetch(new URL('/servers/nope/mcp', url), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(unknown.status).toBe(404);
    const body = (await unknown.json()) as { error: { message: string } };
    expect(body.error.message).toBe(
      'No server named "nope" in this workspace; it has one, two, grows',
    );
  });

  it('gives a session its own instance of an isolation "session" server, and stops it with the session', async () => {
    const { client, transport } = await connect();
    const echo = await client.callTool({ name: 't2__echo', arguments: { text: 'mine' } });
    expect(echo.content).toEqual([{ type: 'text', text: 'mine' }]);
    const status = await statusOf(dir);
    const id = transport.sessionId;
    const own = status?.replicas.find((r) => r.session === id);
    expect(own).toMatchObject({ server: 'two', state: 'ready', calls: { inFlight: 0, served: 1 } });
    expect(status?.gateway).toMatchObject({ url, auth: true });
    await transport.terminateSession();
    let replicas = status?.replicas ?? [];
    await until(
      'its instance stopped',
      () => !replicas.some((r) => r.session === id),
      { timeoutMs: 30_000, everyMs: 200 },
      async () => {
        replicas = (await statusOf(dir))?.replicas ?? replicas;
      },
    );
    await readySnapshot(dir, 3);
  }, 60_000);

  it('refuses a port in use with exit 2, naming the flag', async () => {
    const other = await fixtureWorkspace({
      one: { command: 'node', args: [fixture('good-stdio')] },
    });
    const port = new URL(url).port;
    const result = await mcpx(['dev', '--no-watch', '--gateway-port', port], { cwd: other });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(
      `The gateway cannot listen on 127.0.0.1:${port}: the port is in use`,
    );
    expect(result.stderr).toMatch(/--gateway-port/);
  });
});

describe('a gateway whose every server is down', () => {
  it('still answers initialize, lists nothing, and says why a call fails', async () => {
    const dir = await fixtureWorkspace({
      broken: { command: 'node', args: [fixture('crash-at-start')] },
    });
    const dev = startDevProcess(dir, ['--no-watch']);
    try {
      const line = await dev.waitFor(/gateway http:\/\/127\.0\.0\.1:\d+\/mcp/, 60_000);
      expect(line).toMatch(/— 0 tools, 0 resources, 0 prompts from 0 servers$/);
      const url = /gateway (\S+)/.exec(line)![1]!;
      const token = (await readFile(join(dir, '.mcpx', 'gateway-token'), 'utf8')).trim();
      const client = new Client({ name: 'test', version: '1' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(url), {
          requestInit: { headers: { authorization: `Bearer ${token}` } },
        }),
      );
      expect((await client.listTools()).tools).toEqual([]);
      const call = await client.callTool({ name: 'broken__anything', arguments: {} });
      expect(call.isError).toBe(true);
      expect(JSON.stringify(call.content)).toMatch(
        /broken has no ready instance to take the call: broken: (backoff|crashed|starting) \(.*cannot open database/,
      );
      await client.close();
    } finally {
      dev.child.kill('SIGTERM');
      await dev.exited;
      await removeWorkspaces();
    }
  }, 120_000);
});
