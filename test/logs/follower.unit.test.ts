/**
 * How a follower moves from segment to segment, and what it does when numbers start again. The
 * races of a writer rotating while the follower reads are exercised under real concurrency by
 * test/faults/follow-rotation.test.ts; here each situation is produced on purpose.
 */
import { appendFile, open, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/logs/event.js';
import { listSegments, segmentName } from '../../src/logs/files.js';
import { Follower } from '../../src/logs/follower.js';
import { followLogs } from '../../src/logs/read.js';
import { LogStore } from '../../src/logs/store.js';
import { until } from '../helpers/until.js';
import { event, numbers, range, tempDirs } from './helpers.js';

const temp = tempDirs();
afterEach(temp.cleanup);

const line = (i: number): string => `${JSON.stringify(event(i))}\n`;

/** A follower holding segment `seq` of `dir` at its end, as followLogs leaves it after the tail. */
async function followFrom(dir: string, seq: number): Promise<Follower> {
  const handle = await open(join(dir, segmentName(seq)), 'r');
  const { size } = await handle.stat();
  return new Follower(dir, { afterSeq: seq, live: { handle, end: size } }, 64);
}

/** Everything the follower has to give now. */
async function drain(follower: Follower): Promise<LogEvent[]> {
  const got: LogEvent[] = [];
  for (let events = await follower.next(); events !== undefined; events = await follower.next()) {
    got.push(...events);
  }
  return got;
}

describe('Follower', () => {
  it('reads a segment with a higher number after it to its end, then goes on with that one', async () => {
    const dir = await temp.make();
    await writeFile(join(dir, segmentName(1)), line(0));
    const follower = await followFrom(dir, 1);
    try {
      expect(await follower.next()).toBeUndefined();
      // Live: more lines are waited for.
      await appendFile(join(dir, segmentName(1)), line(1));
      expect(numbers(await drain(follower))).toEqual([1]);
      // The writer finishes it and creates 2; the follower has not looked since.
      await appendFile(join(dir, segmentName(1)), line(2));
      await writeFile(join(dir, segmentName(2)), line(3));
      expect(numbers(await drain(follower))).toEqual([2, 3]);
    } finally {
      await follower.close();
    }
  });

  it('goes on with the lowest number above the one it held, counting the numbers skipped as lost', async () => {
    const dir = await temp.make();
    await writeFile(join(dir, segmentName(2)), line(0));
    const follower = await followFrom(dir, 2);
    try {
      expect(await follower.next()).toBeUndefined();
      // 3 and 4 came and were pruned before the follower could open them.
      await writeFile(join(dir, segmentName(5)), line(5));
      await writeFile(join(dir, segmentName(6)), line(6));
      const got = await drain(follower);
      expect(got[0]?.msg).toMatch(/^mcpx logs fell behind: 2 rotated log files were pruned /);
      expect(numbers(got.slice(1))).toEqual([5, 6]);
    } finally {
      await follower.close();
    }
  });

  it('lists only numbered files, oldest first', async () => {
    const dir = await temp.make();
    for (const seq of [12, 4, 9]) await writeFile(join(dir, segmentName(seq)), line(seq));
    await writeFile(join(dir, 'notes.txt'), 'not a log file');
    await writeFile(join(dir, 'current.jsonl'), line(0));
    expect((await listSegments(dir)).map((s) => s.seq)).toEqual([4, 9, 12]);
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
    // The last event of the tail: the follower now holds the live segment.
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
    const follower = await followFrom(dir, (await listSegments(dir)).at(-1)!.seq);
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

  it('that finds the new writer numbered past the segment it held, reads it from its first file', async () => {
    const dir = await temp.make();
    const first = await LogStore.open({ dir, maxFileBytes: 300, maxFiles: 3 });
    for (const i of range(20)) await first.write(event(i));
    await first.close();
    const held = (await listSegments(dir)).at(-1)!.seq;
    const follower = await followFrom(dir, held);
    try {
      await rm(dir, { recursive: true, force: true });
      const second = await LogStore.open({ dir, maxFileBytes: 300, maxFiles: 100 });
      for (const i of range(40, 100)) await second.write(event(i));
      await second.close();
      // The new numbers include the one held, and go past it: only that the file held was
      // deleted while lower numbers exist tells the clearing apart from the writer's pruning.
      expect((await listSegments(dir)).at(-1)!.seq).toBeGreaterThan(held);
      const got = await drain(follower);
      expect(got.filter((e) => e.server === 'mcpx')).toEqual([]);
      expect(numbers(got)).toEqual(range(40, 100));
    } finally {
      await follower.close();
    }
  });
});
