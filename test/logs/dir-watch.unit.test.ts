/**
 * DirWatch with a fake file system and fake time: what wakes a follower, and how often, when
 * fs.watch works, when it fails, and when the folder is replaced.
 */
import { EventEmitter } from 'node:events';
import type { FSWatcher, Stats } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DirWatch, type DirWatchDeps } from '../../src/logs/dir-watch.js';

type Listener = (event: string, name: string | null) => void;

/** Folders by path (their inode), and the watches made on them. */
function fakeFs(folders: Map<string, number>, failWatch = false) {
  const watches: { path: string; listener: Listener; closed: boolean }[] = [];
  const deps: DirWatchDeps = {
    stat: (path) => {
      const ino = folders.get(path);
      if (ino === undefined) return Promise.reject(new Error(`ENOENT: ${path}`));
      return Promise.resolve({ ino, isDirectory: () => true } as Stats);
    },
    watch: (path, listener) => {
      if (failWatch) throw new Error('ENOSPC: System limit for number of file watchers reached');
      const entry = { path, listener, closed: false };
      watches.push(entry);
      return Object.assign(new EventEmitter(), {
        close: () => (entry.closed = true),
      }) as unknown as FSWatcher;
    },
  };
  const open = (path: string) => watches.filter((w) => w.path === path && !w.closed);
  return { deps, watches, open };
}

const DIR = '/w/.mcpx/logs';
const PARENT = '/w/.mcpx';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Both folders there: the logs folder (inode 1) and its parent (inode 2). */
const bothFolders = (): Map<string, number> =>
  new Map([
    [DIR, 1],
    [PARENT, 2],
  ]);

/** A DirWatch of DIR over fake folders, polling every 50 ms when it must, counting its wake-ups. */
function watchOver(
  folders: Map<string, number>,
  options: { failWatch?: boolean; checkMs?: number } = {},
) {
  const fs = fakeFs(folders, options.failWatch ?? false);
  const woken = { count: 0 };
  const watch = new DirWatch(DIR, () => woken.count++, {
    fallbackMs: 50,
    checkMs: options.checkMs ?? 1000,
    deps: fs.deps,
  });
  return { fs, watch, woken };
}

describe('DirWatch', () => {
  it('while fs.watch works, is woken by changes and otherwise only once per checkMs', async () => {
    const { fs, watch, woken } = watchOver(bothFolders());
    await watch.ready();
    expect(watch.watching).toBe(true);
    const start = woken.count;
    // Idle for 10 s: ten checks, not the 200 a 50 ms poll would make.
    await vi.advanceTimersByTimeAsync(10_000);
    expect(woken.count - start).toBe(10);
    fs.open(DIR)[0]!.listener('change', '000001.jsonl');
    expect(woken.count - start).toBe(11);
    watch.close();
    expect(fs.open(DIR)).toEqual([]);
    expect(fs.open(PARENT)).toEqual([]);
  });

  it('polls every fallbackMs while fs.watch fails', async () => {
    const { watch, woken } = watchOver(bothFolders(), { failWatch: true });
    await watch.ready();
    expect(watch.watching).toBe(false);
    await vi.advanceTimersByTimeAsync(1000);
    expect(woken.count).toBe(20);
    watch.close();
  });

  it('watches a folder created later, and a folder replaced, as soon as its parent says so', async () => {
    const folders = new Map([[PARENT, 2]]);
    const { fs, watch } = watchOver(folders, { checkMs: 60_000 });
    await watch.ready();
    // No logs folder yet: polled, its parent watched.
    expect(watch.watching).toBe(false);
    expect(fs.open(PARENT)).toHaveLength(1);
    folders.set(DIR, 1);
    fs.open(PARENT)[0]!.listener('rename', 'logs');
    await watch.ready();
    expect(watch.watching).toBe(true);
    expect(fs.open(DIR)).toHaveLength(1);
    // Cleared and made again: a new inode, a new watch, the old one closed.
    const old = fs.open(DIR)[0]!;
    folders.set(DIR, 3);
    fs.open(PARENT)[0]!.listener('rename', 'logs');
    await watch.ready();
    expect(old.closed).toBe(true);
    expect(fs.open(DIR)).toHaveLength(1);
    // Other names in the parent do not matter.
    const watchesBefore = fs.watches.length;
    fs.open(PARENT)[0]!.listener('rename', 'control');
    await watch.ready();
    expect(fs.watches.length).toBe(watchesBefore);
    watch.close();
  });

  it('finds a replaced folder at the next check even when the parent said nothing', async () => {
    const folders = bothFolders();
    const { fs, watch } = watchOver(folders);
    await watch.ready();
    folders.set(DIR, 7);
    await vi.advanceTimersByTimeAsync(1000);
    await watch.ready();
    expect(fs.open(DIR)).toHaveLength(1);
    expect(fs.watches.filter((w) => w.path === DIR)).toHaveLength(2);
    watch.close();
  });
});
