/**
 * How a server's start can go wrong, end to end with the built CLI and real processes: a fixed port
 * another MCP server holds (before the spawn, and taken after it), a server that needs 15 s to
 * initialize, and start failures that must say what happened (a missing folder, a missing command,
 * a command that wrote to stdout and exited).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { mcpx } from '../helpers/cli.js';
import { type DevProcess, startDevProcess } from '../helpers/dev-process.js';
import { freePort } from '../helpers/ports.js';
import { isAlive, processesUnder } from '../helpers/processes.js';
import { until } from '../helpers/until.js';

const fixture = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/${name}.ts`, import.meta.url));
const dirs: string[] = [];
const children: ChildProcess[] = [];
const devs: DevProcess[] = [];

afterAll(async () => {
  for (const dev of devs) if (isAlive(dev.pid)) dev.child.kill('SIGKILL');
  for (const child of children) if (child.pid !== undefined && isAlive(child.pid)) child.kill();
  for (const dir of dirs) {
    for (const pid of processesUnder(dir)) process.kill(pid, 'SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});

async function workspace(mcpServers: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mcpx-start-'));
  dirs.push(dir);
  await writeFile(join(dir, 'mcpx.json'), JSON.stringify({ mcpServers }, null, 2));
  return dir;
}

/** Another MCP server (good-http) listening on `port`, started by the test, not by mcpx. */
async function otherServer(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [fixture('good-http')], {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  // A node process importing the SDK can take long on a loaded machine: wait as long as for a
  // server's start, and say why at once when it ended instead (a port taken since freePort).
  await until(
    'the other server',
    () => {
      if (exited !== undefined) throw new Error(`the other server exited (${exited}): ${stderr}`);
      return stderr.includes('ready on');
    },
    { timeoutMs: 30_000 },
  );
  return child;
}

describe('a fixed port that another server holds', () => {
  it('smoke exits 4 naming the port and the holder, instead of testing the other server', async () => {
    const port = await freePort();
    const other = await otherServer(port);
    const dir = await workspace({
      web: { command: 'node', args: [fixture('good-http')], transport: 'http', port },
    });
    const result = await mcpx(['smoke'], { cwd: dir });
    expect(result.exitCode, result.stdout).toBe(4);
    expect(result.stdout).toContain(`port ${port} is in use by pid ${other.pid} (`);
    expect(result.stdout).toContain('good-http.ts)');
    expect(isAlive(other.pid ?? -1)).toBe(true);
  }, 60_000);

  it('dev does not report the other server ready: the start fails naming the holder', async () => {
    const port = await freePort();
    const other = await otherServer(port);
    const dir = await workspace({
      web: { command: 'node', args: [fixture('good-http')], transport: 'http', port },
    });
    const cluster = startDevProcess(dir);
    devs.push(cluster);
    const line = await cluster.waitFor(/web\s+\| failed to start/, 30_000);
    expect(line).toContain(`port ${port} is in use by pid ${other.pid} (`);
    expect(cluster.lines.some((l) => /web\s+\| ready/.test(l))).toBe(false);
    cluster.child.kill('SIGINT');
    expect((await cluster.exited).code).toBe(0);
  }, 60_000);

  it('smoke fails when the port is taken after the spawn by a process outside the server', async () => {
    const port = await freePort();
    const dir = await workspace({
      web: {
        command: 'node',
        args: [fixture('no-listen')],
        transport: 'http',
        port,
        env: { READY_FILE: 'spawned' },
      },
    });
    const smoke = mcpx(['smoke'], { cwd: dir });
    // The server runs (so the check before the spawn found the port free), but it never listens:
    // the port is then taken by a process mcpx did not start.
    await until('the spawn', () => existsSync(join(dir, 'spawned')), { timeoutMs: 30_000 });
    const other = await otherServer(port);
    const result = await smoke;
    expect(result.exitCode, result.stdout).toBe(4);
    expect(result.stdout).toContain(`port ${port} is held by pid ${other.pid} (`);
    expect(result.stdout).toContain('not by this server');
  }, 60_000);
});

describe('a server that needs 15 s to initialize', () => {
  it('starts within startTimeout 30 s (smoke and dev), and fails at 10 s naming 10 s', async () => {
    const slow = (startTimeout: number): Record<string, unknown> => ({
      slow: {
        command: 'node',
        args: [fixture('slow-init')],
        env: { INIT_DELAY_MS: '15000' },
        smoke: { startTimeout },
      },
    });
    const patient = await workspace(slow(30_000));
    const hasty = await workspace(slow(10_000));
    const devDir = await workspace(slow(30_000));
    const cluster = startDevProcess(devDir);
    devs.push(cluster);
    const [passed, failed] = await Promise.all([
      mcpx(['smoke'], { cwd: patient }),
      mcpx(['smoke'], { cwd: hasty }),
      // dev's start timeout is 30 s: one start, no crash loop.
      cluster.waitFor(/slow\s+\| ready in \d+ ms/, 60_000),
    ]);
    expect(passed.exitCode, passed.stdout).toBe(0);
    expect(passed.stdout).toMatch(/✔ start\s+\d+ ms\s+initialized in 1\d{4} ms/);
    expect(failed.exitCode, failed.stdout).toBe(4);
    expect(failed.stdout).toContain('did not complete initialize within 10000 ms');
    expect(cluster.lines.some((l) => /slow\s+\| failed to start/.test(l))).toBe(false);
    cluster.child.kill('SIGINT');
    expect((await cluster.exited).code).toBe(0);
  }, 90_000);
});

describe("the server's own startTimeout", () => {
  it('bounds the start in mcpx dev and in mcpx smoke', async () => {
    const dir = await workspace({
      slow: {
        command: 'node',
        args: [fixture('slow-init')],
        env: { INIT_DELAY_MS: '6000' },
        startTimeout: 1500,
      },
    });
    const cluster = startDevProcess(dir, ['--no-watch']);
    devs.push(cluster);
    const [smoked, failure] = await Promise.all([
      mcpx(['smoke'], { cwd: dir }),
      cluster.waitFor(/slow\s+\| failed to start: .*within 1500 ms/, 60_000),
    ]);
    expect(failure).toContain('did not complete initialize within 1500 ms (the start timeout)');
    expect(smoked.exitCode, smoked.stdout).toBe(4);
    expect(smoked.stdout).toContain('did not complete initialize within 1500 ms');
    cluster.child.kill('SIGINT');
    expect((await cluster.exited).code).toBe(0);
  }, 90_000);
});

describe('start failures say what happened', () => {
  it('a missing folder, a missing command, and a command that wrote to stdout and exited', async () => {
    const dir = await workspace({
      nofolder: { command: 'node', args: ['server.js'], cwd: 'servers/missing' },
      nocommand: { command: 'mcpx-no-such-command' },
      echo: { command: 'echo', args: ['hello'] },
    });
    const result = await mcpx(['smoke'], { cwd: dir });
    expect(result.exitCode, result.stdout).toBe(4);
    expect(result.stdout).toContain(`its folder ${join(dir, 'servers/missing')} does not exist`);
    expect(result.stdout).toContain('command "mcpx-no-such-command" was not found on PATH');
    expect(result.stdout).toContain(
      'exited with code 0 before it was ready, after writing "hello" to stdout',
    );
    // None of them ran out of time.
    expect(result.stdout).not.toContain('within 30000 ms');
  }, 60_000);
});
