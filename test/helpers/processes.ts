// Process checks for end-to-end tests of the supervisor: is a pid gone, which processes did it
// leave behind. Linux reads /proc; elsewhere the signal-0 probes are the fallback.
import { readFileSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';

interface ProcStat {
  pid: number;
  state: string;
  ppid: number;
  pgrp: number;
}

/** Fields of a /proc `stat` file, or undefined once the process is gone (or without /proc). */
function readStat(file: string): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return {
    pid: Number(text.slice(0, text.indexOf(' '))),
    state: fields[0] ?? '?',
    ppid: Number(fields[1]),
    pgrp: Number(fields[2]),
  };
}

/**
 * True while any thread of `pid` runs. A process is done once every thread is a zombie (exited,
 * waiting for its parent to reap it): it runs no code and holds no files, ports or sockets. The
 * main thread alone is not enough: when a multi-threaded process such as Node is killed, its main
 * thread can show as a zombie while other threads still hold its file descriptors, and its
 * listening sockets still accept connections. Undefined when /proc has no such process.
 */
function anyThreadRuns(pid: number): boolean | undefined {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  return tasks.some((tid) => {
    const state = readStat(`/proc/${pid}/task/${tid}/stat`)?.state;
    return state !== undefined && state !== 'Z' && state !== 'X';
  });
}

/** Every running process on the machine (Linux /proc); finished ones are left out. */
function allProcesses(): ProcStat[] {
  const result: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(`/proc/${name}/stat`);
    if (stat === undefined) continue;
    if (stat.state === 'Z' && anyThreadRuns(stat.pid) !== true) continue;
    result.push(stat);
  }
  return result;
}

const HAS_PROC = (() => {
  try {
    readdirSync('/proc/self/task');
    return true;
  } catch {
    return false;
  }
})();

/**
 * True while `pid` runs. A zombie (every thread exited, not yet reaped by its parent) counts as
 * gone: its parent may not reap it before the test looks. See `anyThreadRuns` for why the threads.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (!HAS_PROC) return true;
  // Gone from /proc between the two looks: it has been reaped.
  return anyThreadRuns(pid) ?? false;
}

/** Resolves true once `pid` has exited, or false after `timeoutMs`. Polls every 20 ms. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

/** The live direct children of `pid` (Linux). */
export function childPids(pid: number): number[] {
  return allProcesses()
    .filter((p) => p.ppid === pid)
    .map((p) => p.pid);
}

/** Children, grandchildren and so on of `pid`, parents before their children (Linux). */
export function descendantPids(pid: number): number[] {
  const processes = allProcesses();
  const result: number[] = [];
  const queue = [pid];
  for (let parent = queue.shift(); parent !== undefined; parent = queue.shift()) {
    for (const p of processes) {
      if (p.ppid === parent) {
        result.push(p.pid);
        queue.push(p.pid);
      }
    }
  }
  return result;
}

/** The live members of process group `pgid` (Linux). */
export function processGroupMembers(pgid: number): number[] {
  return allProcesses()
    .filter((p) => p.pgrp === pgid)
    .map((p) => p.pid);
}

/** True while any process of group `pgid` runs (zombies excepted where /proc can tell). */
export function processGroupAlive(pgid: number): boolean {
  if (HAS_PROC) return processGroupMembers(pgid).length > 0;
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Where a process runs from, or undefined once it is gone (or is another user's). */
function cwdOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

/** The value of `name` in a process's environment (as it started), if readable. */
function envOf(pid: number, name: string): string | undefined {
  try {
    const entry = readFileSync(`/proc/${pid}/environ`, 'latin1')
      .split('\0')
      .find((e) => e.startsWith(`${name}=`));
    return entry?.slice(name.length + 1);
  } catch {
    return undefined;
  }
}

/**
 * Running processes (Linux) whose working folder is `dir` or inside it, `except` left out: what a
 * cluster started under a test's workspace, wherever in the process tree it ended up.
 */
export function processesUnder(dir: string, except: readonly number[] = []): number[] {
  const root = realpathSync(dir);
  return allProcesses()
    .map((p) => p.pid)
    .filter((pid) => {
      if (except.includes(pid) || pid === process.pid) return false;
      const cwd = cwdOf(pid);
      return cwd !== undefined && (cwd === root || cwd.startsWith(`${root}/`));
    });
}

/** Running processes (Linux) whose environment has `name=value`. */
export function processesWithEnv(name: string, value: string): number[] {
  return allProcesses()
    .map((p) => p.pid)
    .filter((pid) => envOf(pid, name) === value);
}

/**
 * What process `pid` (or this one) holds open, from /proc/<pid>/fd: paths ("<path> (deleted)" once
 * deleted) and kernel objects such as "anon_inode:inotify". Empty once it is gone.
 */
export function openFiles(pid: number | 'self'): string[] {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return [];
  }
  return fds.flatMap((fd) => {
    try {
      return [readlinkSync(`/proc/${pid}/fd/${fd}`)];
    } catch {
      return []; // closed meanwhile
    }
  });
}
