import { mkdir, open, readFile, rm, rmdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { McpxError } from '../errors.js';
import { processStartTime } from '../server/process-tree.js';

/** Who holds a lock: the pid, and that process's start time, so a reused pid is not mistaken for it. */
interface Owner {
  pid: number;
  start: string | undefined;
}

async function alive(owner: Owner): Promise<boolean> {
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else; that still holds the lock.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return owner.start === undefined || (await processStartTime(owner.pid)) === owner.start;
}

async function readOwner(file: string): Promise<Owner | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as { pid?: unknown; start?: unknown };
    if (typeof value.pid === 'number' && Number.isInteger(value.pid) && value.pid > 0) {
      return { pid: value.pid, start: typeof value.start === 'string' ? value.start : undefined };
    }
  } catch {
    // A half-written lock: its writer died between open and write, or is writing right now.
  }
  return { pid: 0, start: undefined };
}

export interface LockOptions {
  /** How long to wait for another holder before giving up (default 30 s). */
  timeoutMs?: number;
  /** What the lock protects, for the message when it cannot be taken. */
  what: string;
}

/**
 * Runs `fn` while holding `file` as an exclusive lock between processes: created with O_EXCL,
 * holding the owner's pid and start time, removed afterwards. A lock whose owner is gone (killed,
 * or its pid reused by another program) is stale and is taken over. Waits for a live owner up to
 * `timeoutMs`, then fails with exit 2 naming it.
 */
export async function withFileLock<T>(
  file: string,
  options: LockOptions,
  fn: () => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const me = JSON.stringify({ pid: process.pid, start: await processStartTime(process.pid) });
  let delay = 5;
  for (;;) {
    const handle = await open(file, 'wx', 0o600).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') return undefined;
      // No folder yet, or the last holder removed it as it left.
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (handle === null) {
      await makeFolder(dirname(file), deadline);
      continue;
    }
    if (handle !== undefined) {
      try {
        await handle.writeFile(me);
      } finally {
        await handle.close();
      }
      break;
    }
    const owner = await readOwner(file);
    if (owner !== undefined && (await isStale(file, owner))) {
      await breakStale(file, owner);
      continue;
    }
    if (Date.now() > deadline) {
      throw new McpxError(
        `${options.what} is locked by another mcpx (pid ${owner?.pid ?? '?'}); waited ${Math.round((options.timeoutMs ?? 30_000) / 1000)} s.`,
        {
          hint: `wait for it to finish and run the command again; if no mcpx runs, remove ${file}`,
        },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, delay + Math.random() * delay));
    delay = Math.min(delay * 2, 100);
  }
  try {
    return await fn();
  } finally {
    await rm(file, { force: true });
    // An empty folder goes too, so that a refused command leaves no trace; one with anything in
    // it (logs, the next holder's lock) stays.
    await rmdir(dirname(file)).catch(() => undefined);
  }
}

/**
 * Creates the lock's folder. A recursive mkdir says ENOENT both when the folder went between its
 * steps (the last holder removed it) and on a read-only file system; a plain mkdir tells which.
 */
async function makeFolder(dir: string, deadline: number): Promise<void> {
  const mode = 0o700;
  await mkdir(dir, { recursive: true, mode }).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
    await mkdir(dir, { mode }).catch((plain: NodeJS.ErrnoException) => {
      if (plain.code === 'EEXIST' || (plain.code === 'ENOENT' && Date.now() < deadline)) return;
      throw plain;
    });
  });
}

async function isStale(file: string, owner: Owner): Promise<boolean> {
  if (owner.pid !== 0) return !(await alive(owner));
  // Unreadable content: stale only once it is old enough that no writer can still be writing it.
  const mtime = await stat(file).then(
    (s) => s.mtimeMs,
    () => Date.now(),
  );
  return Date.now() - mtime > 5_000;
}

/**
 * Removes a stale lock, under a second O_EXCL lock so that two processes that both found it stale
 * cannot have one remove the fresh lock the other just took. The second lock is held for
 * microseconds; if its holder died in between, it is old and goes too.
 */
async function breakStale(file: string, owner: Owner): Promise<void> {
  const breaker = `${file}.break`;
  const handle = await open(breaker, 'wx', 0o600).catch(() => undefined);
  if (handle === undefined) {
    const mtime = await stat(breaker).then(
      (s) => s.mtimeMs,
      () => Date.now(),
    );
    if (Date.now() - mtime > 5_000) await rm(breaker, { force: true });
    return;
  }
  try {
    await handle.close();
    const now = await readOwner(file);
    if (now !== undefined && now.pid === owner.pid && now.start === owner.start) {
      await rm(file, { force: true });
    }
  } finally {
    await rm(breaker, { force: true });
  }
}
