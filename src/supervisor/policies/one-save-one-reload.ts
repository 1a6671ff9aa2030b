import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { Clock } from '../../clock.js';

/** A file's content in short; '' for an empty file, undefined for none (removed, a folder). */
export type Digest = (path: string) => Promise<string | undefined>;

/**
 * How long an emptied file waits for its content. A save that truncates and then writes reports
 * two changes 60-155 ms apart; a file emptied on purpose reloads after this.
 */
export const EMPTY_HOLD_MS = 500;

/**
 * One save, one reload. A file's change is handed on only when its content differs from what was
 * last handed on: the second change event of a truncate-then-write save, or a save of unchanged
 * content, reloads nothing. An emptied file is held (the write that follows a truncate is on its
 * way) and handed on after `holdMs` if nothing follows. Changes are judged in the order they came.
 */
export class OneSaveOneReload {
  readonly #handedOn = new Map<string, string>();
  readonly #held = new Map<string, unknown>();
  #queue: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(
    readonly deliver: (path: string) => void,
    readonly clock: Clock,
    readonly digest: Digest = contentDigest,
    readonly holdMs = EMPTY_HOLD_MS,
  ) {}

  changed(path: string): void {
    this.#queue = this.#queue.then(() => this.#judge(path));
  }

  async #judge(path: string): Promise<void> {
    const digest = await this.digest(path).catch(() => undefined);
    if (this.#closed) return;
    const held = this.#held.get(path);
    if (held !== undefined) this.clock.clearTimeout(held);
    this.#held.delete(path);
    if (digest === '') {
      this.#held.set(
        path,
        this.clock.setTimeout(() => {
          this.#held.delete(path);
          this.#handOn(path, '');
        }, this.holdMs),
      );
      return;
    }
    if (digest !== undefined && this.#handedOn.get(path) === digest) return;
    this.#handOn(path, digest);
  }

  #handOn(path: string, digest: string | undefined): void {
    if (digest === undefined) this.#handedOn.delete(path);
    else this.#handedOn.set(path, digest);
    this.deliver(path);
  }

  close(): void {
    this.#closed = true;
    for (const timer of this.#held.values()) this.clock.clearTimeout(timer);
    this.#held.clear();
  }
}

/** Files larger than this are told apart by size and mtime: reading them at every save costs. */
const HASHED_BYTES = 4 * 1024 * 1024;

/** sha1 of the file's content ('' when empty); undefined when it cannot be read as a file. */
export async function contentDigest(path: string): Promise<string | undefined> {
  const file = await open(path, 'r').catch(() => undefined);
  if (file === undefined) return undefined;
  try {
    const stat = await file.stat();
    if (!stat.isFile()) return undefined;
    if (stat.size === 0) return '';
    if (stat.size > HASHED_BYTES) return `${stat.size}:${stat.mtimeMs}`;
    const content = await file.readFile();
    return content.length === 0 ? '' : createHash('sha1').update(content).digest('hex');
  } catch {
    return undefined;
  } finally {
    await file.close();
  }
}
