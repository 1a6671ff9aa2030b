/**
 * The built `mcpx gateway` on 127.0.0.1 over lb fixture servers that the test runs (servers by URL:
 * the members file's fixed replicas, and the url entries of a workspace's mcpx.json with --dir):
 * readiness, the token, balancing, failover when a replica dies, fail-open with list_changed when
 * a server's only replica dies and comes back, JSON log lines; and its refusals (exit 2).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mcpx } from '../helpers/cli.js';
import {
  type GatewaySession,
  call,
  connectGateway,
  pool,
  tally,
  text,
} from '../helpers/lb-cluster.js';
import { freePort } from '../helpers/ports.js';
import {
  type RemoteGatewayProcess,
  getJson,
  startLbServer,
  startRemoteGateway,
  stopLbServer,
  stopLbServers,
} from '../helpers/remote-gateway.js';
import { until } from '../helpers/until.js';

const HEALTH = { interval: 200, timeout: 1000, failures: 2 };
const dirs: string[] = [];
let gateway: RemoteGatewayProcess | undefined;
let session: GatewaySession | undefined;

afterAll(async () => {
  await session?.close().catch(() => undefined);
  await gateway?.stop();
  await stopLbServers();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mcpx-gateway-remote-'));
  dirs.push(dir);
  return dir;
}

const lb = async (port: number): Promise<ChildProcess> =>
  startLbServer({ LB_HOST: '127.0.0.1', PORT: String(port) });

describe('mcpx gateway over servers by URL', () => {
  it('balances over fixed replicas, fails over when one dies, drops a server with no replica from the lists and takes it back', async () => {
    const [p1, p2, p3] = [await freePort(), await freePort(), await freePort()];
    const a = await lb(p1);
    const b = await lb(p2);
    let solo = await lb(p3);
    const dir = await tempDir();
    const members = join(dir, 'members.json');
    await writeFile(
      members,
      JSON.stringify({
        servers: {
          lb: {
            urls: [`http://127.0.0.1:${p1}/mcp`, `http://127.0.0.1:${p2}/mcp`],
            health: HEALTH,
          },
        },
      }),
    );
    // The workspace: one url entry (served), one command entry (left out: mcpx dev runs those).
    await writeFile(
      join(dir, 'mcpx.json'),
      JSON.stringify({
        mcpServers: {
          solo: { url: `http://127.0.0.1:${p3}/mcp`, health: HEALTH },
          local: { command: 'node', args: ['nowhere.js'] },
        },
      }),
    );
    const port = await freePort();
    gateway = startRemoteGateway(['--members', members, '--dir', dir, '--port', String(port)]);
    const base = `http://127.0.0.1:${port}`;
    await gateway.waitFor('the summary', (e) => / replicas ready; /.test(e.msg));
    expect(
      gateway.events.some(
        (e) => e.level === 'warning' && e.msg.startsWith('left out: local (started by mcpx dev'),
      ),
    ).toBe(true);
    const token = (await readFile(join(dir, '.mcpx', 'gateway-token'), 'utf8')).trim();
    expect(
      gateway.events.some((e) =>
        e.msg.includes(`token from ${join(dir, '.mcpx', 'gateway-token')}`),
      ),
    ).toBe(true);

    expect(await getJson(`${base}/healthz`)).toEqual({ status: 200, body: { ok: true } });
    let servers: Record<string, { ready: number }> = {};
    const readyz = async (): Promise<void> => {
      servers = (await getJson(`${base}/readyz`)).body.servers as typeof servers;
    };
    await until(
      'every replica ready',
      () => servers.lb?.ready === 2 && servers.solo?.ready === 1,
      {},
      readyz,
    );
    expect(Object.keys(servers).sort()).toEqual(['lb', 'solo']);

    // Without the token: 401.
    const refused = await fetch(`${base}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: '{}',
    });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain(
      `it is in ${join(dir, '.mcpx', 'gateway-token')} (or run mcpx gateway with --no-auth)`,
    );

    session = await connectGateway({ url: `${base}/mcp`, token });
    const client = session.client;
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('lb__pid');
    expect(names).toContain('solo__pid');
    const pidOf = (result: Awaited<ReturnType<typeof call>>): string =>
      result.kind === 'result' && result.result.isError !== true
        ? text(result.result)
        : JSON.stringify(result);

    // Both replicas take calls.
    const spread = tally(
      await pool(30, 3, async () => pidOf(await call(client, 'lb__pid', {}, 20_000))),
    );
    expect([...spread.keys()].sort(), JSON.stringify([...spread])).toEqual(
      [String(a.pid), String(b.pid)].sort(),
    );

    // One replica dies: every call goes to the other, none fails.
    gateway.mark();
    await stopLbServer(a);
    await until('lb#0 down', () => servers.lb?.ready === 1, { timeoutMs: 20_000 }, readyz);
    const after = tally(
      await pool(20, 3, async () => pidOf(await call(client, 'lb__pid', {}, 20_000))),
    );
    expect([...after]).toEqual([[String(b.pid), 20]]);

    // The only replica of solo dies: solo leaves the lists (list_changed) and calls say why.
    const changedBefore = session.changed.tools;
    await stopLbServer(solo);
    await until(
      'solo to leave the tool list',
      () => session !== undefined && session.changed.tools > changedBefore,
      { timeoutMs: 20_000 },
    );
    expect((await client.listTools()).tools.map((t) => t.name)).not.toContain('solo__pid');
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('lb__pid');
    const down = await call(client, 'solo__pid', {}, 20_000);
    expect(down.kind).toBe('result');
    if (down.kind === 'result') {
      expect(down.result.isError).toBe(true);
      expect(text(down.result)).toContain('solo has no ready instance');
      // No `mcpx logs` here: the gateway's own log is where the rest is.
      expect(text(down.result)).toContain('the log of mcpx gateway says more');
      expect(text(down.result)).not.toContain('mcpx logs');
    }

    // It comes back on its port: listed again, and it answers.
    const changedAgain = session.changed.tools;
    solo = await lb(p3);
    await until(
      'solo back in the lists',
      () => session !== undefined && session.changed.tools > changedAgain,
      {
        timeoutMs: 30_000,
      },
    );
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('solo__pid');
    expect(pidOf(await call(client, 'solo__pid', {}, 20_000))).toBe(String(solo.pid));

    await session.close();
    session = undefined;
    await gateway.stop();
    expect((await gateway.exited).code).toBe(0);
    expect(gateway.other, 'stdout lines that are not JSON, and stderr').toEqual([]);
    expect(gateway.events.at(-1)?.msg).toBe('gateway stopped');
  }, 120_000);

  it('refuses a port in use with exit 2, naming its own --port', async () => {
    const dir = await tempDir();
    await writeFile(
      join(dir, 'members.json'),
      '{"servers": {"docs": {"url": "http://127.0.0.1:1/mcp"}}}',
    );
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const result = await mcpx(
        ['gateway', '--members', join(dir, 'members.json'), '--no-auth', '--port', String(port)],
        { cwd: dir },
      );
      expect(result.exitCode, result.stderr).toBe(2);
      expect(result.stderr).toContain(`cannot listen on 127.0.0.1:${port}: the port is in use`);
      expect(result.stderr).toContain('`mcpx gateway --port <port>`');
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('refuses a prefix that the members file and mcpx.json both use, with exit 2', async () => {
    const dir = await tempDir();
    await writeFile(
      join(dir, 'members.json'),
      '{"servers": {"docs": {"url": "http://127.0.0.1:1/mcp", "prefix": "kb"}}}',
    );
    await writeFile(
      join(dir, 'mcpx.json'),
      JSON.stringify({
        mcpServers: { wiki: { url: 'http://127.0.0.1:2/mcp', gateway: { prefix: 'kb' } } },
      }),
    );
    const result = await mcpx(
      ['gateway', '--members', join(dir, 'members.json'), '--dir', dir, '--port', '0'],
      { cwd: dir },
    );
    expect(result.exitCode, result.stderr).toBe(2);
    expect(result.stderr).toContain('Servers "docs" and "wiki" both have the gateway prefix "kb"');
    expect(result.stdout).toBe('');
  });

  it.each([
    [
      'a members file with a bad field',
      '{"servers": {"docs": {"url": "ftp://x/mcp"}}}',
      [],
      /members\.json:1:30: servers\.docs\.url: expected an http:\/\/ or https:\/\/ URL/,
    ],
    ['no servers at all', undefined, [], /needs servers: give --members <file> or --dir/],
    [
      '--no-auth on every interface',
      '{"servers": {"docs": {"url": "http://127.0.0.1:1/mcp"}}}',
      ['--no-auth', '--host', '0.0.0.0'],
      /--no-auth is refused: the gateway listens on 0\.0\.0\.0/,
    ],
    [
      'no token',
      '{"servers": {"docs": {"url": "http://127.0.0.1:1/mcp"}}}',
      [],
      /needs a token: MCPX_GATEWAY_TOKEN is not set, and no --dir was given/,
    ],
  ])('refuses %s with exit 2, starting nothing', async (_, file, args, message) => {
    const dir = await tempDir();
    const fileArgs: string[] = [];
    if (file !== undefined) {
      await writeFile(join(dir, 'members.json'), file);
      fileArgs.push('--members', join(dir, 'members.json'));
    }
    const result = await mcpx(['gateway', ...fileArgs, ...args, '--port', '0'], {
      cwd: dir,
      env: { MCPX_GATEWAY_TOKEN: undefined },
    });
    expect(result.exitCode, result.stderr).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });
});
