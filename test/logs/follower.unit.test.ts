/**
 * How a follower knows the number of current.jsonl (openCurrent), and what it does when numbers
 * start again. The race that made it skip files silently (current.jsonl opened while the files
 * before it were renamed and pruned, guessed as one after the last file read) is exercised under
 * real concurrency by test/faults/follow-rotation.test.ts; here each answer of openCurrent is
 * produced on purpose.
 */
import { open, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/logs/event.js';
import {
  CURRENT_FILE,
  type RotatedListing,
  readRotated,
  rotatedName,
} from '../../src/logs/files.js';
import { Follower, openCurrent } from '../../src/logs/follower.js';
import { followLogs } from '../../src/logs/read.js';
import { LogStore } from '../../src/logs/store.js';
import { until } from '../helpers/until.js';
import { event, numbers, range, tempDirs } from './helpers.js';

const temp = tempDirs();
afterEach(temp.cleanup);

const line = (i: number): string => `${JSON.stringify(event(i))}\n`;

/** A folder with rotated files numbered `seqs` and a current.jsonl. */
async function folder(seqs: readonly number[]): Promise<string> {
  const dir = await temp.make();
  for (const seq of seqs) await writeFile(join(dir, rotatedName(seq)), line(seq));
  await writeFile(join(dir, CURRENT_FILE), line(1000));
  return dir;
}

/** What openCurrent answers: the number it gives current.jsonl (the file closed again), or why not. */
async function numberOf(
  dir: string,
  afterSeq: number,
  before?: RotatedListing,
): Promise<number | 'rotating' | undefined> {
  const current = await openCurrent(dir, before ?? (await readRotated(dir)), afterSeq);
  if (typeof current !== 'object') return current;
  await current.handle.close();
  return current.seq;
}

describe('openCurrent', () => {
  it('numbers current.jsonl one after the newest rotated file, not after the last one read', async () => {
    // Files 3 to 6 came and went (pruned) since file 2 was read: the follower must not call
    // current.jsonl 3, or it would never say that 3 to 6 are missing.
    const dir = await folder([7, 8, 9]);
    expect(await numberOf(dir, 2)).toBe(10);
  });

  it('answers "rotating" when a rotation came between the listing before the open and after', async () => {
    const dir = await folder([7, 8, 9]);
    const before = await readRotated(dir);
    // The writer rotates: the file opened next is 11, not the 10 that `before` implies.
    await rename(join(dir, CURRENT_FILE), join(dir, rotatedName(10)));
    await rm(join(dir, rotatedName(7)));
    await writeFile(join(dir, CURRENT_FILE), line(1001));
    expect(await numberOf(dir, 2, before)).toBe('rotating');
    // Looked at again, it is known.
    expect(await numberOf(dir, 2)).toBe(11);
  });

  it('with no rotated file to count from, takes the one after the last read', async () => {
    const dir = await folder([]);
    expect(await numberOf(dir, 4)).toBe(5);
  });

  it('is undefined while there is no current.jsonl', async () => {
    const dir = await folder([1]);
    await rm(join(dir, CURRENT_FILE));
    expect(await numberOf(dir, 0)).toBeUndefined();
  });

  it('lists only numbered files, and their highest number as the newest', async () => {
    const dir = await temp.make();
    await writeFile(join(dir, rotatedName(4)), line(4));
    await writeFile(join(dir, 'notes.txt'), 'not a log file');
    const listing = await readRotated(dir);
    expect(listing.newest).toBe(4);
    expect(listing.files.map((f) => f.seq)).toEqual([4]);
  });
});

describe('a follower whose writer starts numbering again', () => {
  it('follows the new files after the old ones were deleted and a new writer started', async () => {
    const dir = await temp.make();
    const first = await LogStore.open({ dir, maxFileBytes: 300, maxFiles: 3 });
    for (const i of range(20)) await first.write(event(i));
    await first.close();
    const stop = new AbortController();
    const got: LogEvent[] = [];
    const done = (async () => {
      for await (const e of followLogs({ dir, last: 1, signal: stop.signal, pollMs: 50 })) {
        got.push(e);
        if (e.msg === 'event 139') stop.abort();
      }
    })();
    // The last event of the tail: the follower now holds current.jsonl.
    await until('the follower to start', () => got.length === 1);
    // The logs are cleared by hand; `mcpx dev` starts again and numbers from 1.
    await rm(dir, { recursive: true, force: true });
    const second = await LogStore.open({ dir, maxFileBytes: 300, maxFiles: 100 });
    for (const i of range(40, 100)) await second.write(event(i));
    await second.close();
    await until("the new writer's last event", () => got.some((e) => e.msg === 'event 139'));
    await done;
    expect(got.filter((e) => e.server === 'mcpx')).toEqual([]);
    expect(numbers(got)).toEqual([19, ...range(40, 100)]);
  });

  it('that sees the folder empty first, reads the new writer from its first file', async () => {
    const dir = await temp.make();
    const first = await LogStore.open({ dir, maxFileBytes: 300, maxFiles: 3 });
    for (const i of range(20)) await first.write(event(i));
    await first.close();
    const handle = await open(join(dir, CURRENT_FILE), 'r');
    const { ino, size } = await handle.stat();
    const newest = (await readRotated(dir)).newest;
    const follower = new Follower(
      dir,
      { afterSeq: newest + 1, live: { handle, ino, end: size } },
      64,
    );
    try {
      await rm(dir, { recursive: true, force: true });
      // At the end of the file it holds, with nothing in the folder: the logs were cleared.
      expect(await follower.next()).toBeUndefined();
      const second = await LogStore.open({ dir, maxFileBytes: 300, maxFiles: 100 });
      for (const i of range(40, 100)) await second.write(event(i));
      await second.close();
      const got: LogEvent[] = [];
      for (
        let events = await follower.next();
        events !== undefined;
        events = await follower.next()
      ) {
        got.push(...events);
      }
      expect(got.filter((e) => e.server === 'mcpx')).toEqual([]);
      expect(numbers(got)).toEqual(range(40, 100));
    } finally {
      await follower.close();
    }
  });
});
