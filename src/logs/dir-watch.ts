import { type FSWatcher, type Stats, watch as fsWatch } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

/** How a DirWatch reaches the file system; tests give one whose watch fails. */
export interface DirWatchDeps {
  watch: (path: string, listener: (event: string, name: string | null) => void) => FSWatcher;
  stat: (path: string) => Promise<Stats>;
}

const REAL: DirWatchDeps = { watch: (path, listener) => fsWatch(path, listener), stat };

export interface DirWatchOptions {
  /** While fs.watch cannot watch the folder: how often to call onChange anyway, in ms. */
  fallbackMs: number;
  /**
   * While it can: how often to check that the folder watched is still the one at that path (a
   * cleared and recreated folder is a new inode, which the old watch never reports on), and to
   * call onChange in case the file system accepted the watch but reports nothing, in ms.
   */
  checkMs: number;
  deps?: DirWatchDeps;
}

/**
 * Calls `onChange` when something in `dir` changes (a file created, appended to, deleted), driven
 * by fs.watch so that an idle folder costs nothing. Its parent is watched too, so a folder created
 * or replaced later (`mcpx logs --follow` before `mcpx dev`, logs cleared) is watched at once.
 * Where fs.watch fails (no such folder yet, out of inotify watches, a file system without
 * notifications), onChange runs every `fallbackMs` instead, until watching works again.
 */
export class DirWatch {
  readonly #dir: string;
  readonly #onChange: () => void;
  readonly #options: DirWatchOptions;
  readonly #deps: DirWatchDeps;
  #watcher: { fs: FSWatcher; ino: number } | undefined;
  #parent: { fs: FSWatcher; ino: number } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #timerMs = 0;
  #closed = false;
  /** One re-check at a time; a request meanwhile asks for one more. */
  #checking: Promise<void> | undefined;
  #checkAgain = false;

  constructor(dir: string, onChange: () => void, options: DirWatchOptions) {
    this.#dir = dir;
    this.#onChange = onChange;
    this.#options = options;
    this.#deps = options.deps ?? REAL;
    this.#recheck();
  }

  /** Whether fs.watch watches the folder now (else onChange runs every fallbackMs). */
  get watching(): boolean {
    return this.#watcher !== undefined;
  }

  /** Resolves once the first attempt to watch is done (tests wait for it). */
  ready(): Promise<void> {
    return this.#checking ?? Promise.resolve();
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#watcher?.fs.close();
    this.#parent?.fs.close();
    this.#watcher = this.#parent = undefined;
  }

  #recheck(): void {
    if (this.#checking !== undefined) {
      this.#checkAgain = true;
      return;
    }
    this.#checking = (async () => {
      do {
        this.#checkAgain = false;
        const had = this.#watcher?.ino;
        this.#parent = await this.#keep(this.#parent, dirname(this.#dir), (_event, name) => {
          if (name === null || name === basename(this.#dir)) this.#recheck();
        });
        this.#watcher = await this.#keep(this.#watcher, this.#dir, () => this.#onChange());
        // A folder watched anew may have been written to before the watch began.
        if (this.#watcher !== undefined && this.#watcher.ino !== had) this.#onChange();
      } while (this.#checkAgain && !this.#closed);
      this.#tick();
    })().finally(() => (this.#checking = undefined));
  }

  /** The watch of `path` as it should be now: kept, made anew for a new inode, or none. */
  async #keep(
    current: { fs: FSWatcher; ino: number } | undefined,
    path: string,
    listener: (event: string, name: string | null) => void,
  ): Promise<{ fs: FSWatcher; ino: number } | undefined> {
    const ino = await this.#deps.stat(path).then(
      (s) => (s.isDirectory() ? s.ino : undefined),
      () => undefined,
    );
    if (current !== undefined && current.ino === ino) return current;
    current?.fs.close();
    if (ino === undefined || this.#closed) return undefined;
    try {
      const fs = this.#deps.watch(path, listener);
      const made = { fs, ino };
      fs.on('error', () => {
        fs.close();
        if (this.#watcher === made) this.#watcher = undefined;
        if (this.#parent === made) this.#parent = undefined;
        this.#tick();
      });
      return made;
    } catch {
      return undefined;
    }
  }

  /** The timer: a slow check of the watch while watching, the fallback poll while not. */
  #tick(): void {
    if (this.#closed) return;
    const watching = this.#watcher !== undefined;
    const ms = watching ? this.#options.checkMs : this.#options.fallbackMs;
    if (this.#timer !== undefined && this.#timerMs === ms) return;
    clearInterval(this.#timer);
    this.#timerMs = ms;
    // Also while watching: some file systems (network mounts) accept a watch and report nothing.
    this.#timer = setInterval(() => {
      this.#onChange();
      this.#recheck();
    }, ms);
  }
}
