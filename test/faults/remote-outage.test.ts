/**
 * A remote server (listed by `url`; mcpx reaches it but does not start it) that goes away for 10 s
 * and comes back. The test runs the real HTTP fixture itself on 127.0.0.1, stops it, starts it
 * again on the same port, and watches the built `mcpx dev` reconnect without `mcpx restart`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { type DevProcess, startDevProcess } from '../helpers/dev-process.js';
import { freePort } from '../helpers/ports.js';
import { waitForExit } from '../helpers/processes.js';
import { until } from '../helpers/until.js';
import { fixture, fixtureWorkspace, removeWorkspaces, statusOf } from '../helpers/workspace.js';

const OUTAGE_MS = 10_000;
const running: ChildProcess[] = [];

afterAll(async () => {
  for (const child of running) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill('SIGINT');
    if (!(await waitForExit(child.pid ?? -1, 15_000))) child.kill('SIGKILL');
  }
  await removeWorkspaces();
});

/** The HTTP fixture on `port`, resolved once it says it listens. */
async function remoteServer(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [fixture('good-http')], {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  running.push(child);
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
      if (stderr.includes('good-http ready on')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`remote server exited (${code}): ${stderr}`)));
  });
  return child;
}

async function stateOf(dir: string): Promise<{ state?: string; lastError?: string }> {
  const replica = (await statusOf(dir))?.replicas.find((r) => r.server === 'remote');
  return { state: replica?.state, lastError: replica?.lastError };
}

describe('a remote server that goes away for 10 s and comes back', () => {
  it('is unreachable (naming the cause) while it is away, and ready again without mcpx restart', async () => {
    const port = await freePort();
    let remote = await remoteServer(port);
    const dir = await fixtureWorkspace({
      remote: {
        url: `http://127.0.0.1:${port}/mcp`,
        health: { interval: 200, timeout: 500, failures: 2 },
      },
    });
    const dev: DevProcess = startDevProcess(dir, ['--no-watch']);
    running.push(dev.child);
    await dev.waitFor(/remote\s+\| ready in \d+ ms: 2 tools/, 30_000);

    dev.mark();
    remote.kill('SIGTERM');
    expect(await waitForExit(remote.pid ?? -1, 5000)).toBe(true);
    const wentAway = Date.now();
    const line = await dev.waitFor(/remote\s+\| unreachable: /, 15_000);
    expect(line).toContain(`connection refused at 127.0.0.1:${port}`);
    expect(line).not.toContain('fetch failed');

    // Through the whole outage mcpx keeps trying: never `crashed`, always `unreachable` with the cause.
    let seen: { state?: string; lastError?: string } = {};
    await until(
      `${OUTAGE_MS} ms of outage`,
      () => Date.now() - wentAway >= OUTAGE_MS,
      { timeoutMs: OUTAGE_MS + 30_000, everyMs: 250 },
      async () => {
        seen = await stateOf(dir);
        expect(seen.state, 'state during the outage').toBe('unreachable');
        expect(seen.lastError).toContain(`connection refused at 127.0.0.1:${port}`);
      },
    );

    dev.mark();
    remote = await remoteServer(port);
    await dev.waitFor(/remote\s+\| ready in \d+ ms: 2 tools/, 30_000);
    expect((await stateOf(dir)).state).toBe('ready');
    expect(dev.lines.slice(0).some((l) => /Crash loop/.test(l))).toBe(false);

    dev.child.kill('SIGINT');
    expect((await dev.exited).code).toBe(0);
    remote.kill('SIGTERM');
    expect(await waitForExit(remote.pid ?? -1, 5000)).toBe(true);
  }, 90_000);
});
