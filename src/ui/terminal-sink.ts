import type { Writable } from 'node:stream';
import type { LogEvent } from '../logs/event.js';
import { escapeJsonText } from '../sanitize.js';
import { out } from './colors.js';
import {
  formatLogLine,
  serverColors,
  serverColumnWidth,
  serverLabel,
  serverLabels,
} from './log-line.js';

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
}

const RESOLVED = Promise.resolve();

/**
 * Writes log events to a stream as whole lines, in order. Each line is one write() call, so lines
 * are never split or interleaved with other output to the same stream. write() resolves when the
 * stream can take more: when it reports a full buffer, the promise waits for 'drain', so a producer
 * that awaits it goes at the pace of a slow reader (`mcpx logs | less`) instead of buffering
 * without bound. flush() and close() resolve once the stream has handed every line to the system.
 */
export class TerminalSink {
  readonly #stream: Writable;
  readonly #format: (event: LogEvent) => string;
  readonly #onError: ((error: Error) => void) | undefined;
  #submitted = 0;
  #written = 0;
  #flushWaiters: (() => void)[] = [];
  #drained: Promise<void> | undefined;
  #releaseDrain: (() => void) | undefined;
  #error: Error | undefined;
  readonly #onStreamError = (error: Error): void => this.#fail(error);
  readonly #onWritten = (error?: Error | null): void => {
    this.#written++;
    if (error) this.#fail(error);
    if (this.#written === this.#submitted) this.#releaseFlush();
  };

  constructor(options: TerminalSinkOptions = {}) {
    this.#stream = options.stream ?? process.stdout;
    this.#onError = options.onError;
    if (options.json === true) {
      this.#format = (event) => escapeJsonText(JSON.stringify(event));
    } else {
      const color = options.color ?? out.level > 0;
      const { replicas } = options;
      const colors = serverColors([...(replicas?.keys() ?? options.names ?? [])]);
      let width = serverColumnWidth(serverLabels(options.names ?? [], replicas));
      this.#format = (event) => {
        const label = serverLabel(event.server, event.replica, replicas?.get(event.server));
        width = Math.max(width, label.length);
        return formatLogLine(event, {
          color,
          width,
          colors,
          ...(replicas === undefined ? {} : { replicas }),
        });
      };
    }
    this.#stream.on('error', this.#onStreamError);
  }

  /** Writes one event as one line; resolves when the stream can take more. */
  write(event: LogEvent): Promise<void> {
    if (this.#error !== undefined) return RESOLVED;
    this.#submitted++;
    if (this.#stream.write(`${this.#format(event)}\n`, this.#onWritten)) return RESOLVED;
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
    return this.#drained;
  }

  /** Resolves when every line written so far has left the process (or the stream failed). */
  flush(): Promise<void> {
    if (this.#error !== undefined || this.#written === this.#submitted) return RESOLVED;
    return new Promise((resolve) => this.#flushWaiters.push(resolve));
  }

  /** Flushes and lets go of the stream; does not end it (stdout stays open for others). */
  async close(): Promise<void> {
    await this.flush();
    this.#stream.off('error', this.#onStreamError);
  }

  #fail(error: Error): void {
    if (this.#error !== undefined) return;
    this.#error = error;
    this.#releaseFlush();
    this.#releaseDrain?.();
    this.#onError?.(error);
  }

  #releaseFlush(): void {
    for (const resolve of this.#flushWaiters.splice(0)) resolve();
  }
}
