import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../src/clock.js';
import {
  EMPTY_HOLD_MS,
  OneSaveOneReload,
  contentDigest,
} from '../../src/supervisor/policies/one-save-one-reload.js';

describe('OneSaveOneReload', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A settler over a fake file system: `files` maps a path to its digest at the time it is read. */
  function settler() {
    const files = new Map<string, string | undefined>();
    const handed: string[] = [];
    const s = new OneSaveOneReload(
      (path) => handed.push(path),
      systemClock,
      (path) => Promise.resolve(files.get(path)),
    );
    const change = async (path: string, digest: string | undefined): Promise<void> => {
      files.set(path, digest);
      s.changed(path);
      await vi.advanceTimersByTimeAsync(0);
    };
    return { s, handed, change };
  }

  it('a truncate-then-write save whose first event already sees the new content is one change', async () => {
    const { handed, change } = settler();
    await change('a.ts', 'v2');
    await vi.advanceTimersByTimeAsync(120);
    await change('a.ts', 'v2');
    expect(handed).toEqual(['a.ts']);
  });

  it('a truncate-then-write save whose first event sees the empty file waits for the write', async () => {
    const { handed, change } = settler();
    await change('a.ts', '');
    await vi.advanceTimersByTimeAsync(155);
    expect(handed).toEqual([]);
    await change('a.ts', 'v2');
    expect(handed).toEqual(['a.ts']);
    // The emptied state is not handed on later either.
    await vi.advanceTimersByTimeAsync(EMPTY_HOLD_MS * 2);
    expect(handed).toEqual(['a.ts']);
  });

  it('a file emptied on purpose is handed on after the hold', async () => {
    const { handed, change } = settler();
    await change('a.ts', '');
    await vi.advanceTimersByTimeAsync(EMPTY_HOLD_MS - 1);
    expect(handed).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(handed).toEqual(['a.ts']);
  });

  it('every real change is handed on, and a removal too', async () => {
    const { handed, change } = settler();
    await change('a.ts', 'v1');
    await change('a.ts', 'v2');
    await change('b.ts', 'v1');
    await change('a.ts', undefined);
    await change('a.ts', 'v2');
    expect(handed).toEqual(['a.ts', 'a.ts', 'b.ts', 'a.ts', 'a.ts']);
  });

  it('judges changes in the order they came, even when reading one is slower', async () => {
    const handed: string[] = [];
    const digests = ['', 'v2'];
    const delays = [50, 0];
    const s = new OneSaveOneReload(
      (path) => handed.push(path),
      systemClock,
      () => {
        const [digest, delay] = [digests.shift(), delays.shift() ?? 0];
        return new Promise((resolve) => setTimeout(() => resolve(digest), delay));
      },
    );
    s.changed('a.ts');
    s.changed('a.ts');
    await vi.advanceTimersByTimeAsync(EMPTY_HOLD_MS * 2);
    // Read in the other order, the empty file would have been the last word and handed on late.
    expect(handed).toEqual(['a.ts']);
  });

  it('hands nothing on after close', async () => {
    const { s, handed, change } = settler();
    await change('a.ts', '');
    s.close();
    await vi.advanceTimersByTimeAsync(EMPTY_HOLD_MS * 2);
    expect(handed).toEqual([]);
  });
});

describe('contentDigest', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcpx-digest-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("is '' for an empty file, the same for the same content, undefined for a folder or nothing", async () => {
    const file = join(dir, 'a.ts');
    await writeFile(file, 'export {};\n');
    const first = await contentDigest(file);
    expect(first).toMatch(/^[0-9a-f]{40}$/);
    await writeFile(file, 'export {};\n');
    expect(await contentDigest(file)).toBe(first);
    await truncate(file);
    expect(await contentDigest(file)).toBe('');
    expect(await contentDigest(dir)).toBeUndefined();
    expect(await contentDigest(join(dir, 'gone.ts'))).toBeUndefined();
  });
});
