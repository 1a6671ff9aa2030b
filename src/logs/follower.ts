/**
 * Following the store forward, across rotations, for `mcpx logs --follow`.
 *
 * A follower holds one segment open and knows its number from its name. At the segment's end, a
 * higher number in the folder means the writer finished this one (it finishes a segment before
 * it creates the next), so the follower reads it to its end once more and goes on with the lowest
 * number above it; no higher number means it is live: wait for more. Only whole lines are parsed:
 * a line the writer is still writing waits in a buffer for its newline.
 *
 * A follower that lags (its reader paused, a slow pipe, a writer rotating faster than it reads)
 * could find segments pruned before it got to them. So whenever the folder changes (its owner
 * calls `changed()`, see DirWatch), whether or not it is being read, it opens the segments it has
 * not read yet and holds them: an open file stays readable after the writer deletes it. Should it still miss segments (more than `holdFiles` behind, or pruned before it
 * could open them), it says so with one warning event where they were, counting the segments
 * lost: it knows the number of every segment it reads, so it knows every number it skipped.
 */
import type { FileHandle } from 'node:fs/promises';
import type { LogEvent } from './event.js';
import { type Segment, listSegments } from './files.js';
import { CHUNK, EMPTY, NEWLINE, openIfExists, parseStoredLine, readAt } from './stored.js';

/** The file a follower is reading. */
interface Held {
  handle: FileHandle;
  seq: number;
  position: number;
  /** Bytes after the last newline read so far: the start of a line still being written. */
  carry: Buffer;
}

/** A segment held open before it is read, so that pruning cannot take it away. */
interface Pinned {
  handle: FileHandle;
  seq: number;
  /** Segments just before this one that were pruned before they could be opened. */
  lostBefore: number;
}

/** Where following starts: after segment `afterSeq`, or inside it at `live.end` if given. */
export interface FollowStart {
  afterSeq: number;
  live?: { handle: FileHandle; end: number } | undefined;
}

/** The warnings a follower puts where it lost segments: shown whatever the filter. */
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
 * Whether the logs were cleared (and a writer may be numbering anew) while `held` was read, given
 * whether it was `deleted` and a listing taken after that. The writer never deletes the live
 * segment, and prunes a complete one only after every older one: so a held segment that is
 * deleted while no higher number exists, or while lower numbers exist, was deleted by someone
 * else. (Looked at in that order, a prune that comes in between cannot pass for a clearing.)
 */
function cleared(held: Held, deleted: boolean, listing: readonly Segment[]): boolean {
  if (!deleted) return false;
  return !listing.some((s) => s.seq > held.seq) || listing.some((s) => s.seq < held.seq);
}

/** Reads forward from where the snapshot ended, one chunk per call, across rotations. */
export class Follower {
  readonly #dir: string;
  #held: Held | undefined;
  /** Segments numbered up to this have been read, are #held, or predate the follower. */
  #afterSeq: number;
  /** Segments after #afterSeq, oldest first, none of them read yet. */
  readonly #pinned: Pinned[] = [];
  /** Calls to next() and scans, one at a time: both move #held, #afterSeq and #pinned. */
  #queue: Promise<unknown> = Promise.resolve();
  readonly #holdFiles: number;
  /** A scan is queued: changes that come meanwhile are covered by it. */
  #scanQueued = false;
  /** Files lost since the last event returned, reported as one warning before the next. */
  #lost = 0;
  #closed = false;

  constructor(dir: string, start: FollowStart, holdFiles: number) {
    this.#holdFiles = holdFiles;
    this.#dir = dir;
    this.#afterSeq = start.afterSeq;
    if (start.live !== undefined) {
      const { handle, end } = start.live;
      this.#held = { handle, seq: start.afterSeq, position: end, carry: EMPTY };
    }
  }

  /**
   * The events of the next chunk (maybe none, when the chunk held only part of a line; a warning
   * where segments were lost), or undefined when there is nothing more to read now.
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

  /**
   * The folder changed: hold open the segments that appeared. Called on every change, since a
   * writer may rotate many times between two reads of a lagging reader.
   */
  changed(): void {
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
      const deleted = (await held.handle.stat()).nlink === 0;
      const listing = await listSegments(this.#dir);
      const fresh = cleared(held, deleted, listing);
      if (!fresh) {
        if (!listing.some((s) => s.seq > held.seq)) return undefined; // live: wait for more
        // Complete, but lines may have landed between the read above and the listing.
        const more = await this.#read(held);
        if (more !== undefined) return more;
      }
      // A complete segment's fragment without newline is what a crashed writer left: not an event.
      this.#held = undefined;
      await held.handle.close();
      if (fresh) {
        // A writer numbers anew: what was pinned belongs to the old numbering.
        for (const pinned of this.#pinned.splice(0)) await pinned.handle.close();
        this.#afterSeq = 0;
      }
    }
    return this.#openNext();
  }

  /**
   * Opens the oldest segment not read yet: the numbers between it and the last one read were
   * pruned before they could be opened, and are counted as lost.
   */
  async #openNext(): Promise<LogEvent[] | undefined> {
    const pinned = this.#pinned.shift();
    if (pinned !== undefined) {
      this.#afterSeq = pinned.seq;
      this.#held = { ...pinned, position: 0, carry: EMPTY };
      return this.#gap(pinned.lostBefore);
    }
    const segment = (await listSegments(this.#dir)).find((s) => s.seq > this.#afterSeq);
    // None yet: the folder's next change is the time to look.
    if (segment === undefined) return undefined;
    const lost = segment.seq - this.#afterSeq - 1;
    this.#afterSeq = segment.seq;
    const handle = await openIfExists(segment.path);
    // Pruned between the listing and the open: lost too.
    if (handle === undefined) return this.#gap(lost + 1);
    this.#held = { handle, seq: segment.seq, position: 0, carry: EMPTY };
    return this.#gap(lost);
  }

  /** Counts lost files; they are reported together, before the next events read. */
  #gap(lost: number): LogEvent[] {
    this.#lost += lost;
    return [];
  }

  /**
   * Opens the segments that came after the one being read, oldest first, so that pruning cannot
   * take them before they are read. The newest may be live: read later from its start, it is
   * followed like any other held segment.
   */
  async #scan(): Promise<void> {
    if (this.#closed) return;
    let last = this.#pinned.at(-1)?.seq ?? this.#afterSeq;
    for (const segment of await listSegments(this.#dir)) {
      if (segment.seq <= last) continue;
      if (this.#pinned.length >= this.#holdFiles) return;
      const handle = await openIfExists(segment.path);
      if (handle === undefined) continue; // pruned between the listing and the open
      this.#pinned.push({ handle, seq: segment.seq, lostBefore: segment.seq - last - 1 });
      last = segment.seq;
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
    await this.#serial(async () => {
      this.#closed = true;
      await this.#held?.handle.close();
      this.#held = undefined;
      for (const pinned of this.#pinned.splice(0)) await pinned.handle.close();
    });
  }
}
