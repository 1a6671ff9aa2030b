/**
 * Reading the JSONL store: the last events (`mcpx logs`) and following new ones as they are
 * appended (`mcpx logs --follow`, see follower.ts), across rotations, while `mcpx dev` writes.
 */
import type { FileHandle } from 'node:fs/promises';
import type { LogEvent, LogLevel } from './event.js';
import { levelRank } from './event.js';
import { DirWatch } from './dir-watch.js';
import { listSegments } from './files.js';
import { Follower, isGap } from './follower.js';
import { CHUNK, EMPTY, NEWLINE, openIfExists, parseStoredLine, readAt } from './stored.js';

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
  /**
   * While fs.watch cannot watch the folder (none yet, no inotify watches left): how often to look
   * anyway, in ms (default 50). While it can, an idle follower does nothing but check its watch
   * once a second.
   */
  pollMs?: number;
  /**
   * Called each time the follower has read all there is and starts to wait: a reader that must
   * know it has looked (a test writing a torn line, say) waits for this instead of for a time.
   */
  onIdle?: () => void;
  /**
   * Most segments held open unread while the reader lags (default 64). Their space is not
   * freed by the writer's pruning until they are read; past this many, the gap is reported.
   */
  holdFiles?: number;
}

/** Whether the folder holds any segment yet. */
export async function hasLogs(dir: string): Promise<boolean> {
  return (await listSegments(dir)).length > 0;
}

/** The last `last` events matching `filter`, oldest first, across the segments. */
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
  const waker = new Waker(signal);
  let follower: Follower | undefined;
  const watch = new DirWatch(
    dir,
    () => {
      follower?.changed();
      waker.notify();
    },
    { fallbackMs: options.pollMs ?? 50, checkMs: CHECK_MS },
  );
  try {
    const snap = await snapshot(dir);
    const [live] = snap.files;
    try {
      follower = new Follower(
        dir,
        { afterSeq: snap.afterSeq, live: live?.live === true ? live : undefined },
        options.holdFiles ?? HOLD_FILES,
      );
      for (const event of await tail(snap.files, options.filter ?? {}, options.last)) {
        if (signal.aborted) return;
        yield event;
      }
    } finally {
      // The newest segment now belongs to the follower; the older ones are done with.
      await Promise.all(snap.files.filter((f) => !f.live).map((f) => f.handle.close()));
    }
    while (!signal.aborted) {
      const events = await follower.next();
      if (events === undefined) {
        options.onIdle?.();
        await waker.wait();
      } else {
        for (const event of events) {
          if (signal.aborted) return;
          // A gap is shown whatever the filter: the events lost in it might have matched.
          if (isGap(event) || matches(event)) yield event;
        }
      }
    }
  } finally {
    watch.close();
    waker.close();
    await follower?.close();
  }
}

/** An open segment and how far its complete lines go. */
interface OpenFile {
  handle: FileHandle;
  /** Offset just after the last newline: where reading backwards starts and following resumes. */
  end: number;
  /** The newest segment found: following continues in it. */
  live: boolean;
}

interface Snapshot {
  /** Newest first. */
  files: OpenFile[];
  /** The number of the newest segment in `files`, else of the newest listed (0 for none). */
  afterSeq: number;
}

/** Default of FollowLogsOptions.holdFiles. */
const HOLD_FILES = 64;

/**
 * How often a follower whose folder is watched checks that the watch still holds (the folder may
 * have been replaced) and looks for changes a file system failed to report, in ms.
 */
const CHECK_MS = 1000;

/**
 * Opens the segments, newest first. The newest one opened is taken as live: should the writer
 * have finished it meanwhile, the follower sees the next number and moves on, as it would have
 * anyway. One pruned between the listing and the open is simply not there.
 */
async function snapshot(dir: string): Promise<Snapshot> {
  const files: OpenFile[] = [];
  const segments = await listSegments(dir);
  let afterSeq = segments.at(-1)?.seq ?? 0;
  try {
    for (const segment of segments.reverse()) {
      const handle = await openIfExists(segment.path);
      if (handle === undefined) continue;
      const live = files.length === 0;
      if (live) afterSeq = segment.seq;
      try {
        files.push({ handle, end: await lastLineEnd(handle, (await handle.stat()).size), live });
      } catch (error) {
        await handle.close();
        throw error;
      }
    }
    return { files, afterSeq };
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

/**
 * Resolves wait() when woken (a change in the logs folder) or on abort. A change that arrives
 * while the follower is reading is remembered, not lost.
 */
class Waker {
  readonly #signal: AbortSignal;
  #changed = false;
  #wake: (() => void) | undefined;
  readonly #onChange = (): void => {
    this.#changed = true;
    this.#wake?.();
  };

  constructor(signal: AbortSignal) {
    this.#signal = signal;
    signal.addEventListener('abort', this.#onChange);
  }

  /** Something changed: the next (or current) wait() returns. */
  notify(): void {
    this.#onChange();
  }

  async wait(): Promise<void> {
    if (!this.#changed && !this.#signal.aborted) {
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
    }
    this.#changed = false;
  }

  close(): void {
    this.#signal.removeEventListener('abort', this.#onChange);
    this.#wake?.();
  }
}
