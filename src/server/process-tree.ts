import { randomBytes } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { type Clock, sleep, systemClock } from '../clock.js';
import { stopWithLadder } from './stop-ladder.js';

/**
 * The environment variable that marks every process an instance starts, and that its descendants
 * inherit: a descendant that called setsid() has left the process group, and a group signal misses
 * it, but it still carries the marker. Its value is `<run>.<instance>`, so one scan finds an
 * instance's processes, and a later run can find everything a dead run left.
 */
export const MARKER_VAR = 'MCPX_INSTANCE';

let run: string | undefined;
let instances = 0;

/** This process's run id: random, so a marker never matches another run's processes. */
export function runId(): string {
  run ??= randomBytes(6).toString('hex');
  return run;
}

/** A fresh marker for one instance of this run. */
export function instanceMarker(): string {
  return `${runId()}.${++instances}`;
}

/** One process as /proc shows it. */
export interface ProcessInfo {
  pid: number;
  pgrp: number;
  /** Field 22 of /proc/<pid>/stat: tells a process from a later one that reuses its pid. */
  startTime: string;
  /** Its MCPX_INSTANCE, when it has one and its environment is readable (our own user's). */
  marker: string | undefined;
}

/** Which processes belong to a tree: its process group, and every process that carries its marker. */
export interface TreeSelector {
  /** A process group to include (the server's pid); omit once it may have been reused. */
  pgid?: number | undefined;
  /** An instance's marker; or a run id followed by "." to match every instance of that run. */
  marker?: string | undefined;
  /**
   * The start time (/proc ticks) of the tree's first process: what started earlier cannot belong
   * to it, and is skipped without reading its environment, which keeps a stop's scan cheap.
   */
  since?: string | undefined;
}

/** True where /proc can list processes and their environments (Linux). */
async function hasProc(): Promise<boolean> {
  return readdir('/proc/self/task').then(
    () => true,
    () => false,
  );
}

/** Field 22 of /proc/<pid>/stat, the start time in clock ticks since boot; undefined when gone. */
export async function processStartTime(pid: number): Promise<string | undefined> {
  return (await readStat(pid))?.startTime;
}

async function readStat(
  pid: number,
): Promise<{ state: string; pgrp: number; startTime: string } | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return undefined;
  // The command name (field 2) may hold spaces and parentheses: count from the last ")".
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '?', pgrp: Number(fields[2]), startTime: fields[19] ?? '' };
}

/**
 * Every live process (zombies left out: they run nothing and hold nothing) with its marker; with
 * `since`, only those started at or after that /proc start time.
 */
export async function listProcesses(since?: string): Promise<ProcessInfo[]> {
  const earliest = since === undefined ? 0 : Number(since);
  const names = await readdir('/proc').catch(() => [] as string[]);
  const result: ProcessInfo[] = [];
  await Promise.all(
    names
      .filter((name) => /^\d+$/.test(name))
      .map(async (name) => {
        const pid = Number(name);
        const stat = await readStat(pid);
        if (stat === undefined || stat.state === 'Z' || stat.state === 'X') return;
        if (Number(stat.startTime) < earliest) return;
        // Another user's environment is unreadable: such a process is none of ours.
        const environ = await readFile(`/proc/${pid}/environ`, 'latin1').catch(() => '');
        const prefix = `${MARKER_VAR}=`;
        const entry = environ.split('\0').find((e) => e.startsWith(prefix));
        result.push({
          pid,
          pgrp: stat.pgrp,
          startTime: stat.startTime,
          marker: entry?.slice(prefix.length),
        });
      }),
  );
  return result;
}

function belongs(p: ProcessInfo, tree: TreeSelector): boolean {
  if (p.pid === process.pid) return false;
  if (tree.pgid !== undefined && p.pgrp === tree.pgid) return true;
  if (p.marker === undefined || tree.marker === undefined) return false;
  return tree.marker.endsWith('.') ? p.marker.startsWith(tree.marker) : p.marker === tree.marker;
}

/** The live processes of a tree (Linux); undefined where /proc cannot tell. */
export async function treeMembers(tree: TreeSelector): Promise<ProcessInfo[] | undefined> {
  if (!(await hasProc())) return undefined;
  return (await listProcesses(tree.since)).filter((p) => belongs(p, tree));
}

/**
 * Signals each process, after checking it is still the one that was found: a pid recycled since
 * the scan has another start time and is left alone.
 */
async function signalEach(processes: ProcessInfo[], signal: NodeJS.Signals): Promise<void> {
  await Promise.all(
    processes.map(async (p) => {
      if ((await processStartTime(p.pid)) !== p.startTime) return;
      try {
        process.kill(p.pid, signal);
      } catch {
        // Gone already.
      }
    }),
  );
}

function signalGroup(pgid: number | undefined, signal: NodeJS.Signals): void {
  if (pgid === undefined) return;
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is empty.
  }
}

function groupAlive(pgid: number | undefined): boolean {
  if (pgid === undefined) return false;
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Ends every process of a tree that is still running, with the stop ladder from SIGTERM on (there
 * is no stdin to close): SIGTERM, up to `termMs` for them to go, then SIGKILL to what is left.
 * Returns how many were running. Where /proc is missing (macOS) only the group is reached.
 */
export async function endTree(
  tree: TreeSelector,
  termMs: number,
  clock: Clock = systemClock,
): Promise<number> {
  const found = await treeMembers(tree);
  if (found === undefined ? !groupAlive(tree.pgid) : found.length === 0) return 0;
  let left = found ?? [];
  const done = new AbortController();
  const gone = async (): Promise<void> => {
    for (;;) {
      await sleep(clock, 50, done.signal);
      if (found === undefined) {
        if (!groupAlive(tree.pgid)) return;
      } else {
        left = (await treeMembers(tree)) ?? [];
        if (left.length === 0) return;
      }
    }
  };
  await stopWithLadder(
    {
      exited: gone().catch(() => undefined),
      signal: async (signal) => {
        // The group as a whole too: a member that cleared its environment has no marker.
        signalGroup(tree.pgid, signal);
        await signalEach(left, signal);
      },
    },
    { graceMs: 0, termMs, killMs: 0 },
    clock,
  );
  done.abort();
  return found?.length ?? 1;
}
