/**
 * `mcpx dev | (sleep 30)`: a reader that never reads. The built CLI's stdout is the stdin of a real
 * `sleep`, so the pipe fills as it would in a shell; a server floods stderr meanwhile. The store
 * must keep filling, and SIGINT must stop every server and end mcpx within the stop ladder.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_LADDER } from '../../src/server/stop-ladder.js';
import { BIN, testPath } from '../helpers/cli.js';
import { waitForExit } from '../helpers/processes.js';
import { until } from '../helpers/until.js';
import {
  fixture,
  fixtureWorkspace,
  readySnapshot,
  removeWorkspaces,
} from '../helpers/workspace.js';

const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await removeWorkspaces();
});

/** Flood lines in the store (all its segments). */
async function storedFloodLines(dir: string): Promise<number> {
  const logs = join(dir, '.mcpx/logs');
  let count = 0;
  for (const file of await readdir(logs)) {
    if (!file.endsWith('.jsonl')) continue;
    const text = await readFile(join(logs, file), 'utf8').catch(() => '');
    count += text.match(/"server":"flood"[^\n]*"msg":"line \d+/g)?.length ?? 0;
  }
  return count;
}

describe('mcpx dev | (sleep 30)', () => {
  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)(
    'keeps filling the store while stdout is blocked, and %s stops every server within the stop timeout',
    async (signal) => {
      const dir = await fixtureWorkspace({
        flood: { command: 'node', args: [fixture('stderr-flood')], env: { FLOOD_LINES: '400000' } },
        good: { command: 'node', args: [fixture('good-stdio')] },
      });
      // The reader: `sleep` never reads its stdin, which is mcpx's stdout. It outlives every wait
      // below (the test ends it), so nothing here passes because the pipe closed.
      const reader = spawn('sleep', ['300'], { stdio: ['pipe', 'ignore', 'ignore'] });
      children.push(reader);
      const dev = spawn(process.execPath, [BIN, 'dev', '--no-watch'], {
        cwd: dir,
        env: { ...process.env, PATH: testPath(), NO_COLOR: '1', FORCE_COLOR: '0', CI: 'true' },
        stdio: ['ignore', reader.stdin, 'pipe'],
      });
      children.push(dev);
      let stderr = '';
      dev.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text));
      const exited = new Promise<number | null>((resolve) => dev.once('exit', resolve));

      const snapshot = await readySnapshot(dir, 2, () => stderr);
      const pids = snapshot.replicas.map((r) => r.pid ?? -1);
      expect(pids).toHaveLength(2);

      // A formatted flood line is about 100 bytes; 100,000 of them are 10 MB, far more than the pipe
      // (64 KiB) and what mcpx dev lets wait for its terminal (4 MiB). The store has them only if it
      // never waited on stdout.
      let stored = 0;
      await until(
        'flood lines in the store while stdout was blocked',
        () => stored >= 100_000,
        { timeoutMs: 30_000 },
        async () => {
          stored = await storedFloodLines(dir);
        },
      );

      // The shutdown ladder, the 1 s mcpx dev gives a terminal that is not reading, and slack for
      // two loaded cores.
      const stopBudget = DEFAULT_LADDER.graceMs + DEFAULT_LADDER.termMs + 1000 + 4000;
      const sentAt = Date.now();
      dev.kill(signal);
      const code = await Promise.race([
        exited,
        new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), stopBudget)),
      ]);
      const took = Date.now() - sentAt;
      expect(code, `mcpx exited within ${stopBudget} ms of ${signal}`).toBe(0);
      expect(took).toBeLessThan(stopBudget);
      for (const pid of pids) expect(await waitForExit(pid, 1000), `pid ${pid}`).toBe(true);
      reader.kill('SIGTERM');
      expect(await waitForExit(reader.pid ?? -1, 5000)).toBe(true);
    },
    120_000,
  );
});
