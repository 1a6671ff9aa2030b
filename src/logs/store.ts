/**
 * The JSONL log store: every LogEvent as one line of the live segment `.mcpx/logs/NNNNNN.jsonl`,
 * rotated by size into the next number (see files.ts for the layout). One writer per folder:
 * `mcpx dev` owns it; `mcpx logs` only reads.
 */
import { type FileHandle, chmod, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogEvent } from './event.js';
import { LEGACY_CURRENT_FILE, listSegments, segmentName } from './files.js';

export interface LogStoreOptions {
  /** The logs folder, usually `logsDir(root)`; created when missing. */
  dir: string;
  /** Size at which the live segment is rotated (default 10 MiB). A single larger event gets a segment of its own. */
  maxFileBytes?: number;
  /** Complete segments kept besides the live one (default 5); older ones are deleted. */
  maxFiles?: number;
  /** Characters of JSON waiting for the disk above which write() makes the producer wait (default 1 Mi). */
  highWaterMark?: number;
}

export const DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024;
export const DEFAULT_MAX_FILES = 5;
const DEFAULT_HIGH_WATER_MARK = 1024 * 1024;
/**
 * Largest single write. Under load many queued lines go out in one syscall (the store's whole
 * advantage over a write per line); the cap keeps the joined string and its Buffer small.
 */
const MAX_BATCH_BYTES = 256 * 1024;

const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;

/**
 * Appends events to the store. Writes go out in order through one file descriptor: whatever queued
 * while a write was in flight goes out together in the next one, never split across files, so every
 * event is exactly one whole line in exactly one file.
 *
 * ```ts
 * const store = await LogStore.open({ dir: logsDir(root) });
 * await store.write(event); // undefined (nothing to wait for) unless more than highWaterMark waits
 * await store.close();      // everything written is on disk
 * ```
 */
export class LogStore {
  readonly dir: string;
  readonly #maxFileBytes: number;
  readonly #maxFiles: number;
  readonly #highWaterMark: number;
  #handle: FileHandle;
  /** Bytes in the live segment. */
  #size: number;
  /** Number of the live segment. */
  #seq: number;
  #queue: string[] = [];
  /** Characters queued or being written: what backpressure is measured in. */
  #buffered = 0;
  #waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  #pumping: Promise<void> | undefined;
  #failure: unknown;
  #closing: Promise<void> | undefined;

  private constructor(options: LogStoreOptions, handle: FileHandle, size: number, seq: number) {
    this.dir = options.dir;
    this.#maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    this.#maxFiles = options.maxFiles ?? DEFAULT_MAX_FILES;
    this.#highWaterMark = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
    this.#handle = handle;
    this.#size = size;
    this.#seq = seq;
  }

  /**
   * Opens the store, continuing the live segment if a previous run left one (also when it died
   * between finishing a segment and creating the next). If that run died in the middle of a line,
   * the fragment is ended with a newline first so it cannot swallow the next event (readers skip
   * the fragment as unparseable). The `current.jsonl` of an older mcpx becomes the live segment.
   */
  static async open(options: LogStoreOptions): Promise<LogStore> {
    for (const [name, value, min] of [
      ['maxFileBytes', options.maxFileBytes, 1],
      ['maxFiles', options.maxFiles, 1],
      ['highWaterMark', options.highWaterMark, 1],
    ] as const) {
      if (value !== undefined && !(Number.isInteger(value) && value >= min)) {
        throw new RangeError(`LogStore ${name} must be an integer >= ${min}, got ${value}`);
      }
    }
    const { dir } = options;
    // Servers print tokens and keys: the store is for its user only. An earlier mcpx left it
    // readable by others, and mkdir's mode is reduced by the umask: hence the chmods.
    await mkdir(dir, { recursive: true, mode: PRIVATE_DIR });
    await chmod(dir, PRIVATE_DIR);
    let segments = await listSegments(dir);
    const legacy = join(dir, LEGACY_CURRENT_FILE);
    if ((await stat(legacy).catch(() => undefined)) !== undefined) {
      // Its rotated files are numbered already: after them, it is the newest, and so live.
      await rename(legacy, join(dir, segmentName((segments.at(-1)?.seq ?? 0) + 1)));
      segments = await listSegments(dir);
    }
    const maxFiles = options.maxFiles ?? DEFAULT_MAX_FILES;
    const complete = segments.slice(0, -1);
    // Oldest first, one at a time, as rotation prunes: a follower that finds the segment it holds
    // deleted while older ones are there takes it for a sign that the logs were cleared.
    for (const segment of complete.slice(0, Math.max(0, complete.length - maxFiles))) {
      await rm(segment.path, { force: true });
    }
    await Promise.all(complete.map((f) => chmod(f.path, PRIVATE_FILE).catch(() => undefined)));
    const seq = segments.at(-1)?.seq ?? 1;
    const handle = await open(join(dir, segmentName(seq)), 'a+', PRIVATE_FILE);
    try {
      const stats = await handle.stat();
      if (stats.isFile() && (stats.mode & 0o777) !== PRIVATE_FILE) await handle.chmod(PRIVATE_FILE);
      let { size } = stats;
      if (size > 0) {
        const last = Buffer.alloc(1);
        await handle.read(last, 0, 1, size - 1);
        if (last[0] !== 0x0a) {
          await handle.write('\n');
          size += 1;
        }
      }
      return new LogStore(options, handle, size, seq);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /**
   * Queues one event. Returns nothing while less than `highWaterMark` is waiting for the disk: a
   * flood makes no promise per event. Else a promise that resolves when the backlog has shrunk
   * below it: a producer that awaits it is slowed to disk speed instead of growing memory, and one
   * that does not loses nothing. The promise rejects if the store failed (a disk error: the cause,
   * also for the first write after a failure nobody was waiting on) or was closed (a bug in the
   * caller).
   */
  write(event: LogEvent): Promise<void> | undefined {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#closing !== undefined) return Promise.reject(new Error('LogStore.write after close'));
    const line = `${serialize(event)}\n`;
    this.#queue.push(line);
    this.#buffered += line.length;
    this.#pumping ??= this.#pump();
    if (this.#buffered < this.#highWaterMark) return undefined;
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /**
   * Resolves when every event written so far is in the file (handed to the system, not fsynced:
   * readers see it). Rejects with the store's disk error, if any.
   */
  async flush(): Promise<void> {
    await this.#pumping;
    if (this.#failure !== undefined) throw this.#failure;
  }

  /** Writes everything queued and closes the file. Rejects with the store's disk error, if any. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      try {
        await this.#pumping;
      } finally {
        await this.#handle.close();
      }
      if (this.#failure !== undefined) throw this.#failure;
    })();
    return this.#closing;
  }

  async #pump(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const lines = this.#queue;
        this.#queue = [];
        await this.#writeLines(lines);
      }
    } catch (error) {
      this.#failure = error;
      for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
    } finally {
      this.#pumping = undefined;
    }
  }

  async #writeLines(lines: string[]): Promise<void> {
    let i = 0;
    while (i < lines.length) {
      // Up to MAX_BATCH_BYTES characters joined and encoded at once: a character is at least a
      // byte, so the Buffer is at most a few times that, and its length is the batch's bytes with
      // no per-line Buffer.byteLength. Only the batch that crosses into the next segment is cut
      // line by line (once per maxFileBytes).
      const start = i;
      let chars = lines[i]!.length;
      for (i++; i < lines.length && chars + lines[i]!.length <= MAX_BATCH_BYTES; i++) {
        chars += lines[i]!.length;
      }
      const batch = i - start === 1 ? lines[start]! : lines.slice(start, i).join('');
      const buffer = Buffer.from(batch, 'utf8');
      if (this.#size + buffer.length <= this.#maxFileBytes) await this.#append(buffer);
      else await this.#appendAcrossSegments(lines.slice(start, i));
      this.#buffered -= chars;
      if (this.#buffered < this.#highWaterMark) {
        for (const waiter of this.#waiters.splice(0)) waiter.resolve();
      }
    }
  }

  /** Lines that do not all fit in the live segment: as many as fit, then the next segment. */
  async #appendAcrossSegments(lines: string[]): Promise<void> {
    let i = 0;
    while (i < lines.length) {
      const start = i;
      let bytes = Buffer.byteLength(lines[i]!);
      // A single event larger than a segment gets one of its own.
      if (this.#size > 0 && this.#size + bytes > this.#maxFileBytes) await this.#rotate();
      for (i++; i < lines.length; i++) {
        const n = Buffer.byteLength(lines[i]!);
        if (this.#size + bytes + n > this.#maxFileBytes) break;
        bytes += n;
      }
      await this.#append(Buffer.from(lines.slice(start, i).join(''), 'utf8'));
    }
  }

  async #append(buffer: Buffer): Promise<void> {
    await this.#writeAll(buffer);
    this.#size += buffer.length;
  }

  async #writeAll(buffer: Buffer): Promise<void> {
    // The file is opened for appending, so every write lands at its end; a short write (rare on a
    // regular file, but allowed) continues where it stopped.
    for (let offset = 0; offset < buffer.length;) {
      const { bytesWritten } = await this.#handle.write(buffer, offset, buffer.length - offset);
      offset += bytesWritten;
    }
  }

  /**
   * Finishes the live segment (closed: every write is in it) before creating the next number:
   * that order is what tells readers that a segment with a higher one after it will not grow.
   * The new one is created exclusively, so a second writer in the folder fails instead of
   * interleaving. Then the oldest complete segment past `maxFiles` goes.
   */
  async #rotate(): Promise<void> {
    await this.#handle.close();
    this.#seq += 1;
    this.#handle = await open(join(this.dir, segmentName(this.#seq)), 'ax', PRIVATE_FILE);
    this.#size = 0;
    const pruned = this.#seq - 1 - this.#maxFiles;
    if (pruned >= 1) await rm(join(this.dir, segmentName(pruned)), { force: true });
  }
}

/**
 * JSON of an event. `data` comes from parsed JSON or MCP notifications and always serialises; if a
 * caller passes something that does not (a cycle, a BigInt), the event is kept with `data` as text
 * rather than lost.
 */
function serialize(event: LogEvent): string {
  try {
    return JSON.stringify(event);
  } catch {
    return JSON.stringify({ ...event, data: String(event.data) });
  }
}
