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

describe('DirWatch', () => {
  it('while fs.watch works, is woken by changes and otherwise only once per checkMs', async () => {
    const fs = fakeFs(
      new Map([
        [DIR, 1],
        [PARENT, 2],
      ]),
    );
    let changes = 0;
    const watch = new DirWatch(DIR, () => changes++, {
      fallbackMs: 50,
      checkMs: 1000,
      deps: fs.deps,
    });
    await watch.ready();
    expect(watch.watching).toBe(true);
    const start = changes;
    // Idle for 10 s: ten checks, not the 200 a 50 ms poll would make.
    await vi.advanceTimersByTimeAsync(10_000);
    expect(changes - start).toBe(10);
    fs.open(DIR)[0]!.listener('change', '000001.jsonl');
    expect(changes - start).toBe(11);
    watch.close();
    expect(fs.open(DIR)).toEqual([]);
    expect(fs.open(PARENT)).toEqual([]);
  });

  it('polls every fallbackMs while fs.watch fails', async () => {
    const fs = fakeFs(
      new Map([
        [DIR, 1],
        [PARENT, 2],
      ]),
      true,
    );
    let changes = 0;
    const watch = new DirWatch(DIR, () => changes++, {
      fallbackMs: 50,
      checkMs: 1000,
      deps: fs.deps,
    });
    await watch.ready();
    expect(watch.watching).toBe(false);
    await vi.advanceTimersByTimeAsync(1000);
    expect(changes).toBe(20);
    watch.close();
  });

  it('watches a folder created later, and a folder replaced, as soon as its parent says so', async () => {
    const folders = new Map([[PARENT, 2]]);
    const fs = fakeFs(folders);
    let changes = 0;
    const watch = new DirWatch(DIR, () => changes++, {
      fallbackMs: 50,
      checkMs: 60_000,
      deps: fs.deps,
    });
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
    const folders = new Map([
      [DIR, 1],
      [PARENT, 2],
    ]);
    const fs = fakeFs(folders);
    const watch = new DirWatch(DIR, () => undefined, {
      fallbackMs: 50,
      checkMs: 1000,
      deps: fs.deps,
    });
    await watch.ready();
    folders.set(DIR, 7);
    await vi.advanceTimersByTimeAsync(1000);
    await watch.ready();
    expect(fs.open(DIR)).toHaveLength(1);
    expect(fs.watches.filter((w) => w.path === DIR)).toHaveLength(2);
    watch.close();
  });
});
