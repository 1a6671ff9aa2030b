// PidFiles.reap with real processes: it ends what a dead run left (found by the run's marker, in
// the process group or not), and leaves alone the processes of a live mcpx and a recycled pid.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type PidRecord, PidFiles } from '../../src/supervisor/pidfiles.js';
import { MARKER_VAR, processStartTime } from '../../src/server/process-tree.js';
import { isAlive, waitForExit } from '../helpers/processes.js';
import { until } from '../helpers/until.js';

const started: ChildProcess[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const child of started)
    if (child.pid !== undefined && isAlive(child.pid)) child.kill('SIGKILL');
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** A `sleep` in its own session (as a setsid'd descendant would be), with `env`. */
async function sleeper(env: Record<string, string> = {}): Promise<number> {
  const child = spawn('sleep', ['60'], {
    env: { ...process.env, ...env },
    detached: true,
    stdio: 'ignore',
  });
  started.push(child);
  const pid = child.pid ?? -1;
  await until('the sleeper', () => isAlive(pid));
  return pid;
}

async function pidDir(records: PidRecord[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mcpx-pids-'));
  dirs.push(dir);
  for (const record of records)
    await writeFile(join(dir, `${record.pid}.json`), JSON.stringify(record));
  return dir;
}

/** A record of a run whose leader is gone: `supervisor` is the pid of its mcpx. */
function record(pid: number, supervisor: number, marker: string): PidRecord {
  return { pid, pgid: pid, startTime: '1', supervisor, marker, server: 's', replica: 0 };
}

describe('PidFiles.reap', () => {
  it('ends every process carrying a dead run marker, and none of a live run', async () => {
    const dead = spawn('true');
    await new Promise((resolve) => dead.once('exit', resolve));
    const deadSupervisor = dead.pid ?? -1;
    const liveSupervisor = await sleeper();
    const orphan = await sleeper({ [MARKER_VAR]: 'deadrun.7' });
    const ofLiveRun = await sleeper({ [MARKER_VAR]: 'liverun.1' });
    const dir = await pidDir([
      // The leaders (no such pids) are gone; the run marker still finds what they left.
      record(999_999, deadSupervisor, 'deadrun.1'),
      record(999_998, liveSupervisor, 'liverun.1'),
    ]);
    const reaped = await new PidFiles(dir).reap(undefined, 500);
    // Found by the run's marker, not by any record's own: one process, no server to name.
    expect(reaped).toEqual([{ processes: 1 }]);
    expect(await waitForExit(orphan, 3000)).toBe(true);
    expect(isAlive(ofLiveRun)).toBe(true);
    // The live run's record stays for its own mcpx.
    expect(await readdir(dir)).toEqual(['999998.json']);
  });

  it('does not signal a recorded pid that now belongs to another process', async () => {
    const recycled = await sleeper();
    const dead = spawn('true');
    await new Promise((resolve) => dead.once('exit', resolve));
    const dir = await pidDir([
      {
        ...record(recycled, dead.pid ?? -1, 'otherrun.1'),
        startTime: `${Number(await processStartTime(recycled)) - 1}`,
      },
    ]);
    expect(await new PidFiles(dir).reap(undefined, 500)).toEqual([]);
    expect(isAlive(recycled)).toBe(true);
    expect(await readdir(dir)).toEqual([]);
  });
});
