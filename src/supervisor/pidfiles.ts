import { readFile, readdir, rm, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Clock, systemClock } from './clock.js';
import { endTree, processStartTime } from './process-tree.js';

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
  /** The supervisor's /proc start time, so that a recycled supervisor pid does not pass for it. */
  supervisorStartTime?: string | undefined;
  /**
   * The instance's MCPX_INSTANCE marker (`<run>.<n>`), which its descendants inherit: it finds
   * those that left the process group (setsid) or outlived its leader.
   */
  marker?: string | undefined;
  server: string;
  replica: number;
}

export class PidFiles {
  constructor(readonly dir: string) {}

  async record(server: string, replica: number, pid: number, marker?: string): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const record: PidRecord = {
      pid,
      pgid: pid,
      startTime: await processStartTime(pid),
      supervisor: process.pid,
      supervisorStartTime: await processStartTime(process.pid),
      marker,
      server,
      replica,
    };
    await writeFile(join(this.dir, `${pid}.json`), `${JSON.stringify(record)}\n`);
  }

  async remove(pid: number): Promise<void> {
    await rm(join(this.dir, `${pid}.json`), { force: true });
  }

  /**
   * Stops what earlier runs whose supervisor is gone left running: the recorded process group
   * (checked to be still the process we started, by its start time) and every process carrying
   * that run's marker, wherever it moved. Records of a live mcpx are left alone, and so are its
   * processes: markers are per run. Returns the records whose processes it had to stop.
   */
  async reap(clock: Clock = systemClock, termMs = 2000): Promise<PidRecord[]> {
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
      if (await supervisorAlive(record)) continue;
      const leaderOurs =
        record.startTime !== undefined && (await processStartTime(record.pid)) === record.startTime;
      // The whole run: an instance whose record went with its leader may have left descendants.
      const run = record.marker?.slice(0, record.marker.lastIndexOf('.') + 1);
      const ended = await endTree(
        { pgid: leaderOurs ? record.pgid : undefined, marker: run === '' ? undefined : run },
        termMs,
        clock,
      );
      if (ended > 0) reaped.push(record);
      await rm(path, { force: true });
    }
    return reaped;
  }
}

async function supervisorAlive(record: PidRecord): Promise<boolean> {
  if (record.supervisor === process.pid) return false;
  if (!isAlive(record.supervisor)) return false;
  if (record.supervisorStartTime === undefined) return true;
  const now = await processStartTime(record.supervisor);
  // Without /proc nothing can be compared: alive is alive.
  return now === undefined || now === record.supervisorStartTime;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
