import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogEvent } from '../../src/logs/event.js';
import { openFiles } from '../helpers/processes.js';

/** An event numbered `i`, one millisecond after the previous, so order is checkable by msg and time. */
export function event(i: number, fields: Partial<LogEvent> = {}): LogEvent {
  return {
    time: new Date(Date.UTC(2025, 5, 1, 12, 0, 0) + i).toISOString(),
    server: 'weather',
    replica: 0,
    stream: 'stderr',
    level: 'info',
    msg: `event ${i}`,
    ...fields,
  };
}

/** A temp folder per test, removed afterwards by `cleanup`. */
export function tempDirs(): { make: () => Promise<string>; cleanup: () => Promise<void> } {
  const dirs: string[] = [];
  return {
    make: async () => {
      const dir = await mkdtemp(join(tmpdir(), 'mcpx-logs-'));
      dirs.push(dir);
      return dir;
    },
    cleanup: async () => {
      await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
    },
  };
}

/** The numbers in `event N` messages. */
export const numbers = (events: readonly LogEvent[]): number[] =>
  events.map((e) => Number(e.msg.replace(/^event /, '')));

/** 0, 1, ..., n - 1. */
export const range = (n: number, from = 0): number[] =>
  Array.from({ length: n }, (_, i) => from + i);

/** The files in `dir` this process holds open now: a deleted one shows as "<path> (deleted)". */
export function openHere(dir: string): Set<string> {
  return new Set(openFiles('self').filter((t) => t.startsWith(`${dir}/`)));
}

/**
 * Counts a follower's idle moments (FollowLogsOptions.onIdle). After a step, two more idles mean
 * it has looked since: the first may have begun just before the step.
 */
export function idleCounter(): { onIdle: () => void; count: () => number } {
  let idle = 0;
  return {
    onIdle: () => {
      idle += 1;
    },
    count: () => idle,
  };
}
