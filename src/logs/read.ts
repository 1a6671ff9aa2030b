/**
 * Reading the JSONL store: the last events (`mcpx logs`) and following new ones as they are
 * appended (`mcpx logs --follow`), across rotations, while `mcpx dev` writes.
 *
 * A follower holds the file it reads open. At the end of it, it compares the inode of
 * `current.jsonl` with its own: the same means "wait for more"; different means the writer renamed
 * it, so it is complete (the writer finishes a file before renaming it). The follower then reads to
 * its end, learns its number from the rotated file with that inode, and goes on with any rotated
 * file numbered after it, then the new `current.jsonl`. Only whole lines are parsed: a line the
 * writer is still writing waits in a buffer for its newline.
 *
 * A follower that lags (its reader paused, a slow pipe, a writer rotating faster than it reads)
 * could find rotated files pruned before it got to them. So whenever the folder changes (and every
 * SCAN_MS, should the change notice not come), whether or not it is being read, it opens the
 * rotated files it has not read yet and holds them: an open file stays readable after the writer
 * deletes it. Should it still miss files (more than `holdFiles` behind, or pruned before it could
 * open them), it says so with one warning event where they were, counting the files lost.
 */
import { type FSWatcher, watch } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LOG_LEVELS, type LogEvent, type LogLevel, levelRank } from './event.js';
import { CURRENT_FILE, listRotated } from './files.js';

/** Which events to show; every field narrows, and all combine. */
export interface LogFilter {
  /** Only these servers (`mcpx` for cluster events). */
  servers?: readonly string[] | undefined;
  /** Minimum level. */
  level?: LogLevel | undefined;
  /** Only events at or after this time. */
  since?: Date | undefined;
  /** Only events whose message matches. */
  grep?: RegExp | undefined;
}

/** A predicate for `filter`, with the work of reading the filter done once. */
export function eventFilter(filter: LogFilter = {}): (event: LogEvent) => boolean {
  const servers = filter.servers === undefined ? undefined : new Set(filter.servers);
  const minRank = filter.level === undefined ? 0 : levelRank(filter.level);
  const since = filter.since?.getTime();
  const grep = filter.grep;
  return (event) => {
    if (servers !== undefined && !servers.has(event.server)) return false;
    if (levelRank(event.level) < minRank) return false;
    if (since !== undefined && Date.parse(event.time) < since) return false;
    if (grep !== undefined) {
      // A /g or /y pattern remembers where it stopped; each message starts from the beginning.
      grep.lastIndex = 0;
      if (!grep.test(event.msg)) return false;
    }
    return true;
  };
}

export interface ReadLogsOptions {
  /** The logs folder (`logsDir(root)`). */
  dir: string;
  filter?: LogFilter;
  /** How many of the newest matching events; all when undefined. */
  last?: number | undefined;
}

export interface FollowLogsOptions extends ReadLogsOptions {
  /** Ends the iteration (cleanly: no error) when aborted. */
  signal: AbortSignal;
  /** Fallback poll interval in ms for when fs.watch misses a change (default 500). */
  pollMs?: number;
  /**
   * Most rotated files held open unread while the reader lags (default 64). Their space is not
   * freed by the writer's pruning until they are read; past this many, the gap is reported.
   */
  holdFiles?: number;
}

/** Whether the folder holds any log file yet. */
export async function hasLogs(dir: string): Promise<boolean> {
  const current = await stat(join(dir, CURRENT_FILE)).then(
    () => true,
    () => false,
  );
  return current || (await listRotated(dir)).length > 0;
}

/** The last `last` events matching `filter`, oldest first, across current and rotated files. */
export async function readLogs(options: ReadLogsOptions): Promise<LogEvent[]> {
  const snap = await snapshot(options.dir);
  try {
    return await tail(snap.files, options.filter ?? {}, options.last);
  } finally {
    await Promise.all(snap.files.map((f) => f.handle.close()));
  }
}

/**
 * The last `last` matching events (all when undefined), then every matching event appended after
 * them, until `signal` aborts. The folder need not exist yet: following starts when it does.
 */
export async function* followLogs(options: FollowLogsOptions): AsyncGenerator<LogEvent> {
  const { dir, signal } = options;
  const matches = eventFilter(options.filter);
  const waker = new Waker(dir, options.pollMs ?? 500, signal);
  let follower: Follower | undefined;
  try {
    const snap = await snapshot(dir);
    const [live] = snap.files;
    try {
      follower = new Follower(
        dir,
        snap.afterSeq,
        live?.live === true ? live : undefined,
        options.holdFiles ?? HOLD_FILES,
      );
      for (const event of await tail(snap.files, options.filter ?? {}, options.last)) {
        if (signal.aborted) return;
        yield event;
      }
    } finally {
      // The live file now belongs to the follower; the history files are done with.
      await Promise.all(snap.files.filter((f) => !f.live).map((f) => f.handle.close()));
    }
    while (!signal.aborted) {
      const events = await follower.next();
      if (events === undefined) await waker.wait();
      else {
        for (const event of events) {
          if (signal.aborted) return;
          // A gap is shown whatever the filter: the events lost in it might have matched.
          if (GAPS.has(event) || matches(event)) yield event;
        }
      }
    }
  } finally {
    waker.close();
    await follower?.close();
  }
}

/** An open file and how far its complete lines go. */
interface OpenFile {
  handle: FileHandle;
  ino: number;
  /** Offset just after the last newline: where reading backwards starts and following resumes. */
  end: number;
  /** Still named current.jsonl when opened: following continues in it. */
  live: boolean;
}

interface Snapshot {
  /** Newest first. */
  files: OpenFile[];
  /** Rotated files numbered up to this are in `files` or older than them. */
  afterSeq: number;
}

/**
 * Opens current.jsonl and the rotated files older than it. current.jsonl is opened first and the
 * folder listed after, so a rotation in between shows as current.jsonl's inode among the rotated
 * files: the files numbered after that one are newer and left to the follower.
 */
async function snapshot(dir: string): Promise<Snapshot> {
  const files: OpenFile[] = [];
  const add = async (path: string, live: boolean): Promise<{ ino: number } | undefined> => {
    const opened = await openIfExists(path);
    if (opened === undefined) return undefined;
    try {
      const end = await lastLineEnd(opened.handle, (await opened.handle.stat()).size);
      files.push({ ...opened, end, live });
      return opened;
    } catch (error) {
      await opened.handle.close();
      throw error;
    }
  };
  try {
    const current = await add(join(dir, CURRENT_FILE), true);
    const rotated = await listRotated(dir);
    const at = current === undefined ? -1 : rotated.findIndex((f) => f.ino === current.ino);
    const older = at === -1 ? rotated : rotated.slice(0, at);
    // A file pruned by the writer meanwhile is simply not there.
    for (const file of older.reverse()) await add(file.path, false);
    return { files, afterSeq: at === -1 ? (rotated.at(-1)?.seq ?? 0) : rotated[at]!.seq };
  } catch (error) {
    await Promise.all(files.map((f) => f.handle.close()));
    throw error;
  }
}

/**
 * Reads files newest first, backwards, until `last` matches are found. Events are appended as
 * they arrive, so once one is older than `filter.since` every earlier one is too.
 */
async function tail(
  files: readonly OpenFile[],
  filter: LogFilter,
  last: number | undefined,
): Promise<LogEvent[]> {
  const found: LogEvent[] = [];
  if (last === 0) return found;
  const matches = eventFilter(filter);
  const since = filter.since?.getTime();
  scan: for (const file of files) {
    for await (const line of linesBackward(file.handle, file.end)) {
      const event = parseStoredLine(line);
      if (event === undefined) continue;
      if (since !== undefined && Date.parse(event.time) < since) break scan;
      if (!matches(event)) continue;
      found.push(event);
      if (last !== undefined && found.length >= last) break scan;
    }
  }
  return found.reverse();
}

const CHUNK = 64 * 1024;
const NEWLINE = 0x0a;
const EMPTY = Buffer.alloc(0);

/** The lines of `[0, end)` from last to first; `end` is just after a newline (or 0). */
async function* linesBackward(handle: FileHandle, end: number): AsyncGenerator<Buffer> {
  let position = end;
  let carry: Buffer = EMPTY;
  while (position > 0) {
    const size = Math.min(CHUNK, position);
    position -= size;
    const chunk = await readAt(handle, position, size);
    const buffer = carry.length === 0 ? chunk : Buffer.concat([chunk, carry]);
    let stop = buffer.length;
    // lastIndexOf takes a negative offset as counted from the end: stop the search at 0.
    for (let i = buffer.lastIndexOf(NEWLINE, stop - 1); i >= 0;) {
      if (stop > i + 1) yield buffer.subarray(i + 1, stop);
      stop = i;
      i = i === 0 ? -1 : buffer.lastIndexOf(NEWLINE, i - 1);
    }
    carry = buffer.subarray(0, stop);
  }
  if (carry.length > 0) yield carry;
}

/** Offset just after the last newline before `size` (0 if none): a torn last line is left out. */
async function lastLineEnd(handle: FileHandle, size: number): Promise<number> {
  for (let position = size; position > 0;) {
    const length = Math.min(CHUNK, position);
    position -= length;
    const i = (await readAt(handle, position, length)).lastIndexOf(NEWLINE);
    if (i >= 0) return position + i + 1;
  }
  return 0;
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

async function openIfExists(
  path: string,
): Promise<{ handle: FileHandle; ino: number } | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return { handle, ino: (await handle.stat()).ino };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

const LEVELS = new Set<string>(LOG_LEVELS);

/**
 * One stored line as an event, or undefined for a line that is not one: the fragment a crashed
 * writer left (the next writer ends it with a newline) must not stop the reader.
 */
function parseStoredLine(line: Buffer): LogEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const e = value as Record<string, unknown>;
  const ok =
    typeof e.time === 'string' &&
    typeof e.server === 'string' &&
    typeof e.replica === 'number' &&
    typeof e.stream === 'string' &&
    typeof e.level === 'string' &&
    LEVELS.has(e.level) &&
    typeof e.msg === 'string';
  return ok ? (value as LogEvent) : undefined;
}

/** The file a follower is reading. */
interface Held {
  handle: FileHandle;
  ino: number;
  position: number;
  /** Bytes after the last newline read so far: the start of a line still being written. */
  carry: Buffer;
  /** Its number once it is known to be a rotated (complete) file. */
  seq: number | undefined;
}

/** A rotated file held open before it is read, so that pruning cannot take it away. */
interface Pinned {
  handle: FileHandle;
  ino: number;
  seq: number;
  /** Rotated files just before this one that were pruned before they could be opened. */
  lostBefore: number;
}

/** How often a follower looks for rotated files to hold open, in ms. */
const SCAN_MS = 50;
/** Default of FollowLogsOptions.holdFiles. */
const HOLD_FILES = 64;

/** The warnings a follower puts where it lost rotated files: shown whatever the filter. */
const GAPS = new WeakSet<LogEvent>();

function gapEvent(files: number): LogEvent {
  const event: LogEvent = {
    time: new Date().toISOString(),
    server: 'mcpx',
    replica: 0,
    stream: 'mcpx',
    level: 'warning',
    msg:
      `mcpx logs fell behind: ${files} rotated log file${files === 1 ? ' was' : 's were'} pruned ` +
      'before it could read them, and their events are missing here. Raise logs.maxFiles in ' +
      'mcpx.json to keep more.',
  };
  GAPS.add(event);
  return event;
}

/** Reads forward from where the snapshot ended, one chunk per call, across rotations. */
class Follower {
  readonly #dir: string;
  readonly #currentPath: string;
  #held: Held | undefined;
  /**
   * Rotated files numbered up to this have been read (or predate the follower). The file being
   * read, while its number is not known, is #afterSeq + 1: it was current.jsonl when opened, and
   * the writer numbers each rotated file one more than the last.
   */
  #afterSeq: number;
  /** Rotated files after #held (or #afterSeq), oldest first, none of them read yet. */
  readonly #pinned: Pinned[] = [];
  /** Calls to next() and scans, one at a time: both move #held, #afterSeq and #pinned. */
  #queue: Promise<unknown> = Promise.resolve();
  readonly #holdFiles: number;
  readonly #timer: NodeJS.Timeout;
  readonly #watcher: FSWatcher | undefined;
  /** A scan is queued: changes that come meanwhile are covered by it. */
  #scanQueued = false;
  /** Files lost since the last event returned, reported as one warning before the next. */
  #lost = 0;
  #closed = false;

  constructor(dir: string, afterSeq: number, live: OpenFile | undefined, holdFiles: number) {
    this.#holdFiles = holdFiles;
    this.#dir = dir;
    this.#currentPath = join(dir, CURRENT_FILE);
    this.#afterSeq = afterSeq;
    if (live !== undefined) {
      // Its number, should snapshot() have seen it renamed already, is found by inode at its end.
      this.#held = {
        handle: live.handle,
        ino: live.ino,
        position: live.end,
        carry: EMPTY,
        seq: undefined,
      };
    }
    this.#timer = setInterval(() => this.#scanSoon(), SCAN_MS);
    this.#timer.unref();
    // A writer may rotate maxFiles times within SCAN_MS: each rename is the moment to look.
    try {
      this.#watcher = watch(dir, () => this.#scanSoon());
      this.#watcher.on('error', () => this.#watcher?.close());
      this.#watcher.unref();
    } catch {
      this.#watcher = undefined; // no folder yet: the interval covers it
    }
  }

  /**
   * The events of the next chunk (maybe none, when the chunk held only part of a line; a warning
   * where rotated files were lost), or undefined when there is nothing more to read now.
   */
  next(): Promise<LogEvent[] | undefined> {
    return this.#serial(async () => {
      const events = await this.#next();
      if (this.#lost === 0 || events === undefined || events.length === 0) return events;
      const gap = gapEvent(this.#lost);
      this.#lost = 0;
      return [gap, ...events];
    });
  }

  #scanSoon(): void {
    if (this.#scanQueued || this.#closed) return;
    this.#scanQueued = true;
    // A failed scan (too many open files, say) only means less is held; reading goes on.
    this.#serial(() => {
      this.#scanQueued = false;
      return this.#scan();
    }).catch(() => undefined);
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #next(): Promise<LogEvent[] | undefined> {
    const held = this.#held;
    if (held !== undefined) {
      const events = await this.#read(held);
      if (events !== undefined) return events;
      if (held.seq === undefined) {
        const live = await stat(this.#currentPath).catch(() => undefined);
        if (live?.ino === held.ino) return undefined;
        // Renamed: complete now, but lines may have landed between the read above and the stat.
        const more = await this.#read(held);
        if (more !== undefined) return more;
        // Not found: pruned already (more than maxFiles rotations since). Its number is still
        // known, and with it how many files after it were pruned unread.
        held.seq =
          (await listRotated(this.#dir)).find((f) => f.ino === held.ino)?.seq ?? this.#afterSeq + 1;
        this.#afterSeq = Math.max(this.#afterSeq, held.seq);
      }
      // A complete file's fragment without newline is what a crashed writer left: not an event.
      this.#held = undefined;
      await held.handle.close();
    }
    return this.#openNext();
  }

  /** Opens the oldest rotated file not read yet, else current.jsonl. */
  async #openNext(): Promise<LogEvent[] | undefined> {
    const pinned = this.#pinned.shift();
    if (pinned !== undefined) {
      this.#afterSeq = pinned.seq;
      this.#held = { ...pinned, position: 0, carry: EMPTY };
      return this.#gap(pinned.lostBefore);
    }
    // current.jsonl first, then the listing: any file rotated before the open is in the listing.
    const live = await openIfExists(this.#currentPath);
    const next = (await listRotated(this.#dir)).find((f) => f.seq > this.#afterSeq);
    const lostBefore = next === undefined ? 0 : next.seq - this.#afterSeq - 1;
    if (next !== undefined && next.ino !== live?.ino) {
      await live?.handle.close();
      this.#afterSeq = next.seq;
      const opened = await openIfExists(next.path);
      // Pruned between the listing and the open: lost too.
      if (opened === undefined) return this.#gap(lostBefore + 1);
      this.#held = { ...opened, position: 0, carry: EMPTY, seq: next.seq };
      return this.#gap(lostBefore);
    }
    if (live === undefined) return undefined;
    // next.ino === live.ino: current.jsonl was renamed to `next` just after the open.
    if (next !== undefined) this.#afterSeq = next.seq;
    this.#held = { ...live, position: 0, carry: EMPTY, seq: next?.seq };
    return this.#gap(lostBefore);
  }

  /** Counts lost files; they are reported together, before the next events read. */
  #gap(lost: number): LogEvent[] {
    this.#lost += lost;
    return [];
  }

  /**
   * Opens the rotated files that came after the one being read, oldest first, so that pruning
   * cannot take them before they are read. Learns the number of the held file once it is renamed.
   */
  async #scan(): Promise<void> {
    if (this.#closed) return;
    const rotated = await listRotated(this.#dir);
    const held = this.#held;
    if (held !== undefined && held.seq === undefined) {
      const renamed = rotated.find((f) => f.ino === held.ino);
      if (renamed !== undefined) {
        held.seq = renamed.seq;
        this.#afterSeq = Math.max(this.#afterSeq, renamed.seq);
      }
    }
    // The file before the next one to pin: a jump past it is a gap. The held file, its number
    // unknown, is #afterSeq + 1 (pruned before its number could be learned, it is not listed).
    const heldSeq = held === undefined ? this.#afterSeq : (held.seq ?? this.#afterSeq + 1);
    let last = this.#pinned.at(-1)?.seq ?? Math.max(this.#afterSeq, heldSeq);
    for (const file of rotated) {
      if (file.seq <= last || file.ino === held?.ino) continue;
      if (this.#pinned.length >= this.#holdFiles) return;
      const opened = await openIfExists(file.path);
      if (opened === undefined) continue; // pruned between the listing and the open
      this.#pinned.push({
        handle: opened.handle,
        ino: opened.ino,
        seq: file.seq,
        lostBefore: file.seq - last - 1,
      });
      last = file.seq;
    }
  }

  /** Events in the next chunk of `held`, or undefined at its end. */
  async #read(held: Held): Promise<LogEvent[] | undefined> {
    const chunk = await readAt(held.handle, held.position, CHUNK);
    if (chunk.length === 0) return undefined;
    held.position += chunk.length;
    const buffer = held.carry.length === 0 ? chunk : Buffer.concat([held.carry, chunk]);
    const events: LogEvent[] = [];
    let start = 0;
    for (let i = buffer.indexOf(NEWLINE); i >= 0; i = buffer.indexOf(NEWLINE, start)) {
      const event = parseStoredLine(buffer.subarray(start, i));
      if (event !== undefined) events.push(event);
      start = i + 1;
    }
    // Copied: the chunk's memory would otherwise stay alive as long as the fragment does.
    held.carry = Buffer.from(buffer.subarray(start));
    return events;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#watcher?.close();
    await this.#serial(async () => {
      this.#closed = true;
      await this.#held?.handle.close();
      this.#held = undefined;
      for (const pinned of this.#pinned.splice(0)) await pinned.handle.close();
    });
  }
}

/**
 * Resolves wait() on a change in the logs folder (fs.watch), after `pollMs` at the latest (fs.watch
 * misses changes on some file systems, and cannot watch a folder that does not exist yet), or on
 * abort. A change that arrives while the follower is reading is remembered, not lost.
 */
class Waker {
  readonly #dir: string;
  readonly #pollMs: number;
  readonly #signal: AbortSignal;
  #watcher: FSWatcher | undefined;
  #changed = false;
  #wake: (() => void) | undefined;
  readonly #onChange = (): void => {
    this.#changed = true;
    this.#wake?.();
  };

  constructor(dir: string, pollMs: number, signal: AbortSignal) {
    this.#dir = dir;
    this.#pollMs = pollMs;
    this.#signal = signal;
    signal.addEventListener('abort', this.#onChange);
  }

  async wait(): Promise<void> {
    this.#watch();
    if (!this.#changed && !this.#signal.aborted) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.#pollMs);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
    this.#changed = false;
  }

  #watch(): void {
    if (this.#watcher !== undefined) return;
    try {
      this.#watcher = watch(this.#dir, this.#onChange);
    } catch {
      return; // no folder yet: the interval finds it, and the next wait() watches it
    }
    this.#watcher.on('error', () => {
      this.#watcher?.close();
      this.#watcher = undefined;
    });
  }

  close(): void {
    this.#signal.removeEventListener('abort', this.#onChange);
    this.#watcher?.close();
    this.#wake?.();
  }
}
