import { readFile, readdir, rm, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Clock, systemClock } from '../clock.js';
import { endTree, processStartTime } from '../server/process-tree.js';

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
  /** Writes in flight, so that a removal never lands before the write it undoes. */
  readonly #writing = new Map<number, Promise<void>>();

  constructor(readonly dir: string) {}

  /** The workspace's records, under `.mcpx/pids/`: `mcpx dev` and `mcpx smoke` share them. */
  static of(root: string): PidFiles {
    return new PidFiles(join(root, '.mcpx', 'pids'));
  }

  /**
   * Records one process from its spawn until `forget()`, for a one-shot run such as `mcpx smoke`:
   * killed while a server runs, it leaves a record for the next `mcpx dev` to reap.
   */
  track(
    server: string,
    replica: number,
  ): {
    onSpawn: (p: { pid: number | undefined; marker: string | undefined }) => void;
    forget: () => Promise<void>;
  } {
    let pid: number | undefined;
    return {
      onSpawn: (p) => {
        pid = p.pid;
        if (pid !== undefined)
          void this.record(server, replica, pid, p.marker).catch(() => undefined);
      },
      forget: async () => {
        if (pid !== undefined) await this.remove(pid);
      },
    };
  }

  record(server: string, replica: number, pid: number, marker?: string): Promise<void> {
    const writing = this.#write(server, replica, pid, marker);
    this.#writing.set(pid, writing);
    return writing;
  }

  async #write(server: string, replica: number, pid: number, marker?: string): Promise<void> {
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
    await this.#writing.get(pid)?.catch(() => undefined);
    this.#writing.delete(pid);
    await rm(join(this.dir, `${pid}.json`), { force: true });
  }

  /**
   * Stops what earlier runs whose supervisor is gone left running: each recorded process group
   * (checked to be still the process we started, by its start time) and every process carrying the
   * instance's marker, wherever it moved; then anything else carrying those runs' markers (an
   * instance whose record went with its leader). Records of a live mcpx are left alone, and so are
   * its processes: markers are per run. Returns what it had to stop, with how many processes.
   */
  async reap(clock: Clock = systemClock, termMs = 2000): Promise<Reaped[]> {
    const files = await readdir(this.dir).catch(() => [] as string[]);
    const reaped: Reaped[] = [];
    const runs = new Set<string>();
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
      const ended = await endTree(
        {
          pgid: leaderOurs ? record.pgid : undefined,
          marker: record.marker,
          since: record.startTime,
        },
        termMs,
        clock,
      );
      if (ended > 0) reaped.push({ ...record, processes: ended });
      const dot = record.marker?.lastIndexOf('.') ?? -1;
      if (record.marker !== undefined && dot > 0) runs.add(record.marker.slice(0, dot + 1));
      await rm(path, { force: true });
    }
    for (const run of runs) {
      const ended = await endTree({ marker: run }, termMs, clock);
      if (ended > 0) reaped.push({ processes: ended });
    }
    return reaped;
  }
}

/** What reap stopped: one instance's processes (with its record), or a run's unrecorded ones. */
export type Reaped = Partial<PidRecord> & { processes: number };

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
