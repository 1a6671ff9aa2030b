import { readFile, readdir, rm, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Clock, sleep, systemClock } from './clock.js';

/**
 * A record of each process mcpx started, under `.mcpx/pids/`, so that a later `mcpx dev` can clean
 * up after one that died without stopping its servers (mcpx itself SIGKILLed, say).
 */
export interface PidRecord {
  pid: number;
  /** The server runs in its own process group, whose id is its pid. */
  pgid: number;
  /** /proc start time of the process: tells our process from a new one that reused the pid. */
  startTime: string | undefined;
  /** pid of the `mcpx dev` that started it. */
  supervisor: number;
  server: string;
  replica: number;
}

export class PidFiles {
  constructor(readonly dir: string) {}

  async record(server: string, replica: number, pid: number): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const record: PidRecord = {
      pid,
      pgid: pid,
      startTime: await processStartTime(pid),
      supervisor: process.pid,
      server,
      replica,
    };
    await writeFile(join(this.dir, `${pid}.json`), `${JSON.stringify(record)}\n`);
  }

  async remove(pid: number): Promise<void> {
    await rm(join(this.dir, `${pid}.json`), { force: true });
  }

  /**
   * Stops the process groups recorded by earlier runs whose supervisor is gone, checking each is
   * still the process we started (same start time) before signalling it. Returns what it reaped.
   */
  async reap(clock: Clock = systemClock): Promise<PidRecord[]> {
    const files = await readdir(this.dir).catch(() => [] as string[]);
    const reaped: PidRecord[] = [];
    for (const file of files.filter((f) => f.endsWith('.json'))) {
      const path = join(this.dir, file);
      const record = await readFile(path, 'utf8')
        .then((text) => JSON.parse(text) as PidRecord)
        .catch(() => undefined);
      if (record === undefined) {
        await rm(path, { force: true });
        continue;
      }
      if (record.supervisor !== process.pid && isAlive(record.supervisor)) continue;
      const ours =
        isAlive(record.pid) &&
        record.startTime !== undefined &&
        (await processStartTime(record.pid)) === record.startTime;
      if (ours) {
        signalGroup(record.pgid, 'SIGTERM');
        for (let i = 0; i < 20 && isAlive(record.pid); i++) await sleep(clock, 100);
        if (isAlive(record.pid)) signalGroup(record.pgid, 'SIGKILL');
        reaped.push(record);
      }
      await rm(path, { force: true });
    }
    return reaped;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // The group is gone.
  }
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); undefined off Linux. */
export async function processStartTime(pid: number): Promise<string | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return undefined;
  // The command name (field 2) may contain spaces and parentheses: count from the last ")".
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}
