import type { Writable } from 'node:stream';
import { CLUSTER, type LogEvent, replicaLabel } from '../logs/event.js';
import { escapeJsonText } from '../sanitize.js';
import { out } from './colors.js';
import { logLineFormatter, serverColors, serverColumnWidth, replicaLabels } from './log-line.js';

export interface TerminalSinkOptions {
  /** Where lines go (default: process.stdout). */
  stream?: Writable;
  /** Server names known up front, so the column is aligned from the first line; it widens for others. */
  names?: readonly string[];
  /**
   * Replicas of every server of the manifest, in its order (default 1 each): a server with several
   * labels each `name#i`; the order gives the colours.
   */
  replicas?: ReadonlyMap<string, number>;
  /** ANSI colours (default: whether stdout supports them; chalk honours NO_COLOR and FORCE_COLOR). */
  color?: boolean;
  /** Each event as its JSON on one line (JSONL) instead of `time | server | message`. */
  json?: boolean;
  /**
   * The stream failed, typically EPIPE: the reader of a pipe went away. Later lines are dropped
   * (there is nowhere to put them) and flush() still resolves; a follower would stop here.
   */
  onError?: (error: Error) => void;
  /**
   * Bytes waiting for the reader beyond which lines are left out instead of waited for: write()
   * then never waits, and once the reader has caught up a line says how many were left out. For
   * `mcpx dev`, whose store keeps every line: a burst is absorbed, a reader that stopped reading
   * (`mcpx dev | sleep 40`) costs at most this much memory and holds up nothing. Without it,
   * write() waits for 'drain', so a producer goes at the reader's pace (`mcpx logs | less`).
   */
  dropBeyond?: number;
  /** With `dropBeyond`: where the left-out lines can be read, for the line that counts them. */
  droppedHint?: string;
}

const RESOLVED = Promise.resolve();
/** Characters of whole lines gathered before they go out even within the same tick. */
const MAX_BATCH = 64 * 1024;

/**
 * Writes log events to a stream as whole lines, in order. The lines of one tick (a chunk of a
 * server's stderr is hundreds) go out together in one write() call: a syscall and the stream's
 * bookkeeping per line were most of what a flood cost. A batch always ends at the end of a line,
 * so lines are never split or interleaved with other output to the same stream. write() resolves
 * when the stream can take more: when it reports a full buffer, the promise waits for 'drain', so
 * a producer that awaits it goes at the pace of a slow reader (`mcpx logs | less`) instead of
 * buffering without bound; with `dropBeyond` it never waits and counts the lines it leaves out
 * instead. flush() and close() resolve once the stream has handed every line to the system.
 */
export class TerminalSink {
  readonly #stream: Writable;
  readonly #format: (event: LogEvent) => string;
  readonly #onError: ((error: Error) => void) | undefined;
  /** Lines of this tick not yet handed to the stream. */
  #batch = '';
  #batchScheduled = false;
  /** write() calls made on the stream, and those it has called back. */
  #submitted = 0;
  #written = 0;
  #flushWaiters: (() => void)[] = [];
  #drained: Promise<void> | undefined;
  #releaseDrain: (() => void) | undefined;
  #error: Error | undefined;
  readonly #dropBeyond: number | undefined;
  readonly #droppedHint: string;
  #dropped = 0;
  readonly #onStreamError = (error: Error): void => this.#fail(error);
  readonly #onWritten = (error?: Error | null): void => {
    this.#written++;
    if (error) this.#fail(error);
    if (this.#written === this.#submitted) this.#releaseFlush();
  };
  readonly #onTick = (): void => {
    this.#batchScheduled = false;
    this.#writeBatch();
  };

  constructor(options: TerminalSinkOptions = {}) {
    this.#stream = options.stream ?? process.stdout;
    this.#onError = options.onError;
    this.#dropBeyond = options.dropBeyond;
    this.#droppedHint = options.droppedHint ?? '';
    if (options.json === true) {
      this.#format = (event) => escapeJsonText(JSON.stringify(event));
    } else {
      const { replicas } = options;
      const format = logLineFormatter({
        color: options.color ?? out.level > 0,
        colors: serverColors([...(replicas?.keys() ?? options.names ?? [])]),
        ...(replicas === undefined ? {} : { replicas }),
      });
      let width = serverColumnWidth(replicaLabels(options.names ?? [], replicas));
      this.#format = (event) => {
        const label = replicaLabel(event.server, event.replica, replicas?.get(event.server));
        if (label.length > width) width = label.length;
        return format(event, width);
      };
    }
    this.#stream.on('error', this.#onStreamError);
  }

  /**
   * Writes one event as one line; resolves when the stream can take more (at once with
   * `dropBeyond`, which leaves the line out instead while too much waits for the reader).
   */
  write(event: LogEvent): Promise<void> {
    if (this.#error !== undefined) return RESOLVED;
    if (this.#dropBeyond !== undefined) {
      if (this.#stream.writableLength + this.#batch.length >= this.#dropBeyond) {
        this.#dropped++;
        return RESOLVED;
      }
      this.#reportDropped();
    }
    this.#batch += `${this.#format(event)}\n`;
    if (this.#batch.length >= MAX_BATCH) {
      this.#writeBatch();
    } else if (!this.#batchScheduled) {
      // A microtask: it runs before anything awaiting this write goes on, so a producer that
      // awaits every write still sees the stream's own backpressure line by line.
      this.#batchScheduled = true;
      queueMicrotask(this.#onTick);
    }
    if (!this.#stream.writableNeedDrain) return RESOLVED;
    this.#drained ??= new Promise<void>((resolve) => {
      const done = (): void => {
        this.#stream.off('drain', done);
        this.#stream.off('close', done);
        this.#drained = undefined;
        this.#releaseDrain = undefined;
        resolve();
      };
      this.#stream.on('drain', done);
      // A stream that closes or fails never drains.
      this.#stream.on('close', done);
      this.#releaseDrain = done;
    });
    return this.#dropBeyond === undefined ? this.#drained : RESOLVED;
  }

  #writeBatch(): void {
    if (this.#batch === '' || this.#error !== undefined) return;
    const text = this.#batch;
    this.#batch = '';
    this.#submitted++;
    this.#stream.write(text, this.#onWritten);
  }

  /** Lines left out and not yet reported (`dropBeyond` only). */
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * True when the stream has taken every line (or failed) within `ms`: a reader that stopped
   * reading must not keep `mcpx dev` from exiting once its servers are stopped.
   */
  async settled(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    try {
      return await Promise.race([this.flush().then(() => true), gaveUp]);
    } finally {
      clearTimeout(timer);
    }
  }

  #reportDropped(): void {
    if (this.#dropped === 0) return;
    const count = this.#dropped;
    this.#dropped = 0;
    // After the lines before it, in a write of its own.
    this.#writeBatch();
    this.#submitted++;
    this.#stream.write(
      `${this.#format({
        time: new Date().toISOString(),
        server: CLUSTER,
        replica: 0,
        stream: 'mcpx',
        level: 'warning',
        msg: `${count} line${count === 1 ? '' : 's'} not shown: the terminal was not reading${this.#droppedHint === '' ? '' : `; ${this.#droppedHint}`}`,
      })}\n`,
      this.#onWritten,
    );
  }

  /** Resolves when every line written so far has left the process (or the stream failed). */
  flush(): Promise<void> {
    this.#writeBatch();
    if (this.#error !== undefined || this.#written === this.#submitted) return RESOLVED;
    return new Promise((resolve) => this.#flushWaiters.push(resolve));
  }

  /** Flushes and lets go of the stream; does not end it (stdout stays open for others). */
  async close(): Promise<void> {
    // Lines left out at the very end are counted too, not only those followed by another line.
    if (this.#error === undefined) this.#reportDropped();
    await this.flush();
    this.#stream.off('error', this.#onStreamError);
  }

  #fail(error: Error): void {
    if (this.#error !== undefined) return;
    this.#error = error;
    this.#batch = '';
    this.#releaseFlush();
    this.#releaseDrain?.();
    this.#onError?.(error);
  }

  #releaseFlush(): void {
    for (const resolve of this.#flushWaiters.splice(0)) resolve();
  }
}
