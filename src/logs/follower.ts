/**
 * Following the store forward, across rotations, for `mcpx logs --follow`.
 *
 * A follower holds the file it reads open, and always knows that file's number: a rotated file by
 * its name, current.jsonl by the number it will be renamed to, one more than the newest rotated
 * file (see `openCurrent`). At the end of current.jsonl it compares the inode of `current.jsonl`
 * with its own: the same means "wait for more"; different means the writer renamed it, so it is
 * complete (the writer finishes a file before renaming it). The follower then reads to its end and
 * goes on with the rotated files numbered after it, then the new `current.jsonl`. Only whole lines
 * are parsed: a line the writer is still writing waits in a buffer for its newline.
 *
 * A follower that lags (its reader paused, a slow pipe, a writer rotating faster than it reads)
 * could find rotated files pruned before it got to them. So whenever the folder changes (and every
 * SCAN_MS, should the change notice not come), whether or not it is being read, it opens the
 * rotated files it has not read yet and holds them: an open file stays readable after the writer
 * deletes it. Should it still miss files (more than `holdFiles` behind, or pruned before it could
 * open them), it says so with one warning event where they were, counting the files lost. Since
 * it knows the number of every file it reads, it knows every number it skipped.
 */
import { type FSWatcher, watch } from 'node:fs';
import { type FileHandle, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogEvent } from './event.js';
import {
  CURRENT_FILE,
  type RotatedFile,
  type RotatedListing,
  listRotated,
  readRotated,
} from './files.js';
import { CHUNK, EMPTY, NEWLINE, openIfExists, parseStoredLine, readAt } from './stored.js';

/** current.jsonl opened, with the number it has or will have once rotated. */
export interface OpenCurrent {
  handle: FileHandle;
  ino: number;
  seq: number;
}

/**
 * Opens current.jsonl and learns its number: the rotated file with its inode if it was renamed
 * already, else one more than the newest rotated file, provided no rotation came between
 * `before`, a listing taken just before the open, and a listing after it (the newest name is the
 * same in both). The writer keeps at least one rotated file (logs.maxFiles >= 1), so the newest
 * name stays until a newer one comes. With no rotated file at all there is nothing to count from,
 * and the number is taken to be one after `afterSeq`, the last one read.
 *
 * Undefined when there is no current.jsonl (none yet, or between a rename and the new file);
 * 'rotating' when a rotation came in between: the caller looks again at the next change.
 * Guessing instead (one more than the last file read) is wrong whenever the files in between were
 * renamed and pruned before the follower looked, and it would then skip them without a word.
 */
export async function openCurrent(
  dir: string,
  before: RotatedListing,
  afterSeq: number,
): Promise<OpenCurrent | 'rotating' | undefined> {
  const live = await openIfExists(join(dir, CURRENT_FILE));
  if (live === undefined) return undefined;
  const after = await readRotated(dir);
  const renamed = after.files.find((f) => f.ino === live.ino);
  if (renamed !== undefined) return { ...live, seq: renamed.seq };
  if (after.newest === before.newest) {
    return { ...live, seq: after.newest === 0 ? afterSeq + 1 : after.newest + 1 };
  }
  await live.handle.close();
  return 'rotating';
}

/** The file a follower is reading. */
interface Held {
  handle: FileHandle;
  ino: number;
  seq: number;
  position: number;
  /** Bytes after the last newline read so far: the start of a line still being written. */
  carry: Buffer;
  /** Known to be renamed (rotated), so it will not grow: false while it may be current.jsonl. */
  complete: boolean;
}

/** A rotated file held open before it is read, so that pruning cannot take it away. */
interface Pinned {
  handle: FileHandle;
  ino: number;
  seq: number;
  /** Rotated files just before this one that were pruned before they could be opened. */
  lostBefore: number;
}

/** Where following starts: after file `afterSeq`, or inside it at `live.end` if it is current. */
export interface FollowStart {
  afterSeq: number;
  live?: { handle: FileHandle; ino: number; end: number } | undefined;
}

/** How often a follower looks for rotated files to hold open, in ms. */
const SCAN_MS = 50;

/** The warnings a follower puts where it lost rotated files: shown whatever the filter. */
const GAPS = new WeakSet<LogEvent>();

/** Whether `event` is a follower's warning about lost files. */
export function isGap(event: LogEvent): boolean {
  return GAPS.has(event);
}

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

/**
 * Whether the logs were cleared since `held`, no longer listed, was opened (and a writer may be
 * numbering anew). Pruned in the normal course, a file goes after every older one and before
 * none of the newer ones: so older numbers listed, or no newer name at all, mean it was deleted.
 */
function startedAgain(listing: RotatedListing, held: Held): boolean {
  return listing.newest <= held.seq || listing.files.some((f) => f.seq <= held.seq);
}

/** Reads forward from where the snapshot ended, one chunk per call, across rotations. */
export class Follower {
  readonly #dir: string;
  readonly #currentPath: string;
  #held: Held | undefined;
  /** Rotated files numbered up to this have been read, are #held, or predate the follower. */
  #afterSeq: number;
  /** Rotated files after #afterSeq, oldest first, none of them read yet. */
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

  constructor(dir: string, start: FollowStart, holdFiles: number) {
    this.#holdFiles = holdFiles;
    this.#dir = dir;
    this.#currentPath = join(dir, CURRENT_FILE);
    this.#afterSeq = start.afterSeq;
    if (start.live !== undefined) {
      const { handle, ino, end } = start.live;
      this.#held = {
        handle,
        ino,
        seq: start.afterSeq,
        position: end,
        carry: EMPTY,
        complete: false,
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
      if (!held.complete) {
        const live = await stat(this.#currentPath).catch(() => undefined);
        if (live?.ino === held.ino) return undefined;
        // Renamed: complete now, but lines may have landed between the read above and the stat.
        held.complete = true;
        const more = await this.#read(held);
        if (more !== undefined) return more;
      }
      // A complete file's fragment without newline is what a crashed writer left: not an event.
      // Looked at while it is still open, so that its inode cannot belong to another file yet.
      const listing = await readRotated(this.#dir);
      const actual = listing.files.find((f) => f.ino === held.ino)?.seq;
      const renumbered = actual === undefined ? startedAgain(listing, held) : actual !== held.seq;
      this.#held = undefined;
      await held.handle.close();
      if (renumbered) {
        // The logs were deleted and a writer numbers anew: what was pinned was numbered wrongly.
        for (const pinned of this.#pinned.splice(0)) await pinned.handle.close();
        this.#afterSeq = actual ?? 0;
      }
    }
    return this.#openNext();
  }

  /** Opens the oldest rotated file not read yet, else current.jsonl. */
  async #openNext(): Promise<LogEvent[] | undefined> {
    const pinned = this.#pinned.shift();
    if (pinned !== undefined) {
      this.#afterSeq = pinned.seq;
      this.#held = { ...pinned, position: 0, carry: EMPTY, complete: true };
      return this.#gap(pinned.lostBefore);
    }
    const listing = await readRotated(this.#dir);
    const rotated = listing.files.find((f) => f.seq > this.#afterSeq);
    if (rotated !== undefined) return this.#openRotated(rotated);
    const current = await openCurrent(this.#dir, listing, this.#afterSeq);
    // None yet, or a rotation while it was opened: the folder's next change is the time to look.
    if (current === undefined || current === 'rotating') return undefined;
    if (current.seq <= this.#afterSeq) {
      // The rotated files were deleted and a new writer started numbering again: go on from there.
      this.#afterSeq = current.seq - 1;
    }
    // Files numbered between the last one read and current.jsonl were pruned before they could
    // be opened (none of them is listed any more).
    const lost = current.seq - this.#afterSeq - 1;
    this.#afterSeq = current.seq;
    this.#held = { ...current, position: 0, carry: EMPTY, complete: false };
    return this.#gap(lost);
  }

  /** Opens a rotated file found by listing: the files between it and the last one read are lost. */
  async #openRotated(file: RotatedFile): Promise<LogEvent[]> {
    const lost = file.seq - this.#afterSeq - 1;
    this.#afterSeq = file.seq;
    const opened = await openIfExists(file.path);
    // Pruned between the listing and the open: lost too.
    if (opened === undefined) return this.#gap(lost + 1);
    this.#held = { ...opened, seq: file.seq, position: 0, carry: EMPTY, complete: true };
    return this.#gap(lost);
  }

  /** Counts lost files; they are reported together, before the next events read. */
  #gap(lost: number): LogEvent[] {
    this.#lost += lost;
    return [];
  }

  /**
   * Opens the rotated files that came after the one being read, oldest first, so that pruning
   * cannot take them before they are read.
   */
  async #scan(): Promise<void> {
    if (this.#closed) return;
    const rotated = await listRotated(this.#dir);
    let last = this.#pinned.at(-1)?.seq ?? this.#afterSeq;
    for (const file of rotated) {
      if (file.seq <= last) continue;
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
