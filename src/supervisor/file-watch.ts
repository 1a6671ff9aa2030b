import type { ChokidarOptions } from 'chokidar';
import { type Clock, systemClock } from '../clock.js';
import { Debouncer } from './debounce.js';
import { OneSaveOneReload } from './policies/one-save-one-reload.js';

/** A running file watch: `ready` once chokidar has scanned, `close` stops it and its debouncer. */
export interface FileWatch {
  ready: Promise<void>;
  close(): Promise<void>;
}

export interface BurstOptions<K> {
  /** Called once per burst of changes with the keys that changed in it. */
  onChange: (keys: Set<K>) => void;
  debounceMs?: number | undefined;
  /** The first change of a quiet period is handed over at once (see Debouncer). */
  leading?: boolean;
  clock?: Clock | undefined;
  /** A change is handed on only when the file's content changed (see OneSaveOneReload). */
  oneSaveOneReload?: boolean;
}

/**
 * The chokidar adapter: watches `paths` and hands the keys that `keysOf` finds for each changed
 * path to `onChange`, one call per burst. Chokidar is imported here, on first use, so that
 * commands that do not watch start without it.
 */
export async function watchFiles<K>(
  paths: string | string[],
  options: Omit<ChokidarOptions, 'ignoreInitial'>,
  keysOf: (path: string) => Iterable<K>,
  burst: BurstOptions<K>,
): Promise<FileWatch> {
  const { watch } = await import('chokidar');
  const debouncer = new Debouncer<K>(
    burst.debounceMs ?? 100,
    burst.onChange,
    burst.clock ?? systemClock,
    { leading: burst.leading ?? false },
  );
  const watcher = watch(paths, { ...options, ignoreInitial: true });
  const add = (path: string): void => {
    for (const key of keysOf(path)) debouncer.add(key);
  };
  const settler =
    burst.oneSaveOneReload === true
      ? new OneSaveOneReload(add, burst.clock ?? systemClock)
      : undefined;
  watcher.on('all', (_event, path) => {
    if (settler === undefined) add(path);
    else settler.changed(path);
  });
  return {
    ready: new Promise<void>((resolve) => watcher.once('ready', () => resolve())),
    close: async () => {
      debouncer.cancel();
      settler?.close();
      await watcher.close();
    },
  };
}
