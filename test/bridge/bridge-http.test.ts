// mcpx bridge end to end: the built CLI serves a real stdio fixture (test/fixtures/lb.ts, whose tools
// answer with their pid) over Streamable HTTP, reached with the SDK's real Client.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, mcpx, testPath } from '../helpers/cli.js';
import { isAlive, processGroupAlive, waitForExit } from '../helpers/processes.js';
import { until } from '../helpers/until.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const LB = join(REPO, 'test/fixtures/lb.ts');

interface Bridge {
  child: ChildProcess;
  lines: string[];
  url: string;
  port: number;
}
const started: Bridge[] = [];
const temps: string[] = [];

async function startBridge(env: Record<string, string> = {}): Promise<Bridge> {
  const child = spawn(
    process.execPath,
    [BIN, 'bridge', '--http', '127.0.0.1:0', '--', process.execPath, LB],
    {
      cwd: REPO,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PATH: testPath(), ...env },
    },
  );
  const lines: string[] = [];
  let pending = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => {
    const parts = (pending + text).split('\n');
    pending = parts.pop() ?? '';
    lines.push(...parts);
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const bridge: Bridge = { child, lines, url: '', port: 0 };
  started.push(bridge);
  await until('the bridge listening', () => lines.length > 0 || child.exitCode !== null, {
    timeoutMs: 30_000,
  });
  const first = JSON.parse(lines[0] ?? `{"msg": ${JSON.stringify(stderr)}}`) as { msg: string };
  const url = /bridge (http:\S+)/.exec(first.msg)?.[1];
  if (url === undefined) throw new Error(`the bridge did not start: ${first.msg}`);
  bridge.url = url;
  bridge.port = Number(new URL(url).port);
  return bridge;
}

async function connect(bridge: Bridge): Promise<Client> {
  const client = new Client({ name: 'bridge-test', version: '0.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(bridge.url)));
  return client;
}

async function pidOf(client: Client): Promise<number> {
  const result = await client.callTool({ name: 'pid', arguments: {} });
  return Number((result.content as { text: string }[])[0]?.text);
}

function get(port: number, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject).end();
  });
}

afterEach(async () => {
  for (const bridge of started.splice(0)) {
    const pid = bridge.child.pid;
    if (pid === undefined) continue;
    if (processGroupAlive(pid)) process.kill(-pid, 'SIGTERM');
    if (!(await waitForExit(pid, 10_000)) && processGroupAlive(pid)) process.kill(-pid, 'SIGKILL');
  }
  for (const dir of temps.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('mcpx bridge', () => {
  it('serves the stdio server at /mcp, one process per session, stopped when its session ends', async () => {
    const bridge = await startBridge();
    const a = await connect(bridge);
    const b = await connect(bridge);
    expect(a.getServerVersion()?.name).toBe('lb');
    expect((await a.listTools()).tools.map((t) => t.name)).toContain('work');
    const pidA = await pidOf(a);
    const pidB = await pidOf(b);
    expect(pidA).not.toBe(pidB);
    expect(await pidOf(a)).toBe(pidA);

    // Progress reaches the call that asked for it, through the bridge.
    const steps: number[] = [];
    const done = await a.callTool({ name: 'progress', arguments: { steps: 3, ms: 5 } }, undefined, {
      onprogress: (p) => steps.push(p.progress),
    });
    expect((done.content as { text: string }[])[0]?.text).toBe('done 3');
    expect(steps).toEqual([1, 2, 3]);

    // DELETE (the client's close of its session) stops that session's process, not the other's.
    await (a.transport as StreamableHTTPClientTransport).terminateSession();
    await a.close();
    expect(await waitForExit(pidA, 10_000)).toBe(true);
    expect(isAlive(pidB)).toBe(true);
    await b.close();

    // SIGTERM ends the bridge and every session's process; exit 0.
    const c = await connect(bridge);
    const pidC = await pidOf(c);
    const exited = new Promise<number | null>((resolve) => bridge.child.once('exit', resolve));
    bridge.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(await waitForExit(pidC, 10_000)).toBe(true);
    expect(bridge.lines.some((l) => l.includes('"msg":"bridge stopped"'))).toBe(true);
    await c.close().catch(() => undefined);
  }, 60_000);

  it('answers a call waiting on a process that dies with an error at once, then 404 for the session', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mcpx-bridge-'));
    temps.push(dir);
    const journal = join(dir, 'journal');
    const bridge = await startBridge({ JOURNAL_FILE: journal });
    const client = await connect(bridge);
    const pid = await pidOf(client);
    const call = client.callTool({
      name: 'work',
      arguments: { ms: 0, id: 'w1', release: join(dir, 'never') },
    });
    const mark = bridge.lines.length;
    // The call has reached the process: it wrote its start.
    let journalText = '';
    await until(
      'the call under way',
      () => journalText.includes(`${pid} start w1`),
      { timeoutMs: 20_000 },
      async () => {
        journalText = await readFile(journal, 'utf8').catch(() => '');
      },
    );
    process.kill(pid, 'SIGKILL');
    await expect(call).rejects.toThrow(/the server process ended \(signal SIGKILL\)/);
    await until('the session end logged', () =>
      bridge.lines.slice(mark).some((l) => l.includes('session ended: the server process ended')),
    );
    await expect(client.listTools()).rejects.toThrow(/404|Session not found/);
    await client.close().catch(() => undefined);
  }, 60_000);

  it('has /healthz and /readyz, and answers 403 to a Host that is not this machine or in ALLOWED_HOSTS', async () => {
    const bridge = await startBridge({ ALLOWED_HOSTS: 'lb,lb.default.svc.cluster.local' });
    const local = `127.0.0.1:${bridge.port}`;
    expect(await get(bridge.port, '/healthz', local)).toMatchObject({ status: 200 });
    const ready = await get(bridge.port, '/readyz', local);
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toMatchObject({ ready: true, server: 'lb 1' });
    expect((await get(bridge.port, '/healthz', 'lb.default.svc.cluster.local:8080')).status).toBe(
      200,
    );
    const foreign = await get(bridge.port, '/mcp', 'evil.example:8080');
    expect(foreign.status).toBe(403);
    expect(foreign.body).toContain('evil.example');
    expect((await get(bridge.port, '/nope', local)).status).toBe(404);
  }, 60_000);

  it('/readyz is 503 with the reason when the command does not serve MCP', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mcpx-bridge-'));
    temps.push(dir);
    const script = join(dir, 'dies.mjs');
    await writeFile(script, "console.error('cannot start: no config'); process.exit(3);\n");
    const child = spawn(
      process.execPath,
      [BIN, 'bridge', '--http', '127.0.0.1:0', '--', process.execPath, script],
      { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const bridge: Bridge = { child, lines: [], url: '', port: 0 };
    started.push(bridge);
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (t: string) => (out += t));
    await until('the bridge listening', () => /bridge http:\S+:(\d+)\/mcp/.test(out), {
      timeoutMs: 30_000,
    });
    const port = Number(/bridge http:\S+:(\d+)\/mcp/.exec(out)?.[1]);
    const ready = await get(port, '/readyz', `127.0.0.1:${port}`);
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toMatchObject({ ready: false });
    expect(ready.body).toContain('exit code 3');
    expect(ready.body).toContain('cannot start: no config');
  }, 60_000);

  it('refuses bad input with exit 2: no command, a bad --http, a bad ALLOWED_HOSTS', async () => {
    const none = await mcpx(['bridge', '--http', '127.0.0.1:0'], { cwd: REPO });
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain('needs the command of a stdio MCP server after --');
    const bad = await mcpx(['bridge', '--http', 'localhost:99999', '--', 'node', 'x.js'], {
      cwd: REPO,
    });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--http "localhost:99999" is not HOST:PORT');
    const hosts = await mcpx(['bridge', '--http', '127.0.0.1:0', '--', 'node', 'x.js'], {
      cwd: REPO,
      env: { ALLOWED_HOSTS: 'http://lb:8080' },
    });
    expect(hosts.exitCode).toBe(2);
    expect(hosts.stderr).toContain('ALLOWED_HOSTS entries must be host names');
  }, 60_000);
});
