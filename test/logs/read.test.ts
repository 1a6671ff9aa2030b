import { appendFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/logs/event.js';
import { segmentName } from '../../src/logs/files.js';

/** The live segment of a store opened once and not rotated. */
const LIVE = segmentName(1);
import { type LogFilter, followLogs, readLogs } from '../../src/logs/read.js';
import { LogStore } from '../../src/logs/store.js';
import { event, idleCounter, numbers, openHere, range, tempDirs } from './helpers.js';
import { until } from '../helpers/until.js';

const temp = tempDirs();
afterEach(temp.cleanup);

/**
 * Iterates in the background until `count` events arrived, then aborts the follower. `got` fills as
 * events come; `done` resolves with all of them.
 */
function collect(
  events: AsyncIterable<LogEvent>,
  count: number,
  stop: AbortController,
): { got: LogEvent[]; done: Promise<LogEvent[]> } {
  const got: LogEvent[] = [];
  const done = (async () => {
    for await (const e of events) {
      got.push(e);
      if (got.length === count) stop.abort();
    }
    return got;
  })();
  return { got, done };
}

const mixed: LogEvent[] = [
  event(0, { server: 'mcpx', stream: 'mcpx', msg: 'starting 2 servers' }),
  event(1, { server: 'weather', msg: 'listening on stdio' }),
  event(2, { server: 'docs', level: 'debug', msg: 'GET /mcp 200' }),
  event(3, { server: 'docs', replica: 1, level: 'warning', msg: 'slow upstream: 812 ms' }),
  event(4, { server: 'weather', level: 'error', msg: 'upstream timeout' }),
  event(5, { server: 'mcpx', stream: 'mcpx', level: 'notice', msg: 'docs#1 restarted' }),
  event(6, { server: 'weather', level: 'critical', msg: 'out of memory: timeout' }),
];

async function storeWith(events: readonly LogEvent[], maxFileBytes = 400): Promise<string> {
  const dir = await temp.make();
  const store = await LogStore.open({ dir, maxFileBytes, maxFiles: 100 });
  for (const e of events) await store.write(e);
  await store.close();
  return dir;
}

describe('readLogs', () => {
  it('returns the last n events across rotated files, oldest first', async () => {
    const dir = await storeWith(range(30).map((i) => event(i)));
    expect(numbers(await readLogs({ dir }))).toEqual(range(30));
    expect(numbers(await readLogs({ dir, last: 7 }))).toEqual(range(7, 23));
    expect(await readLogs({ dir, last: 0 })).toEqual([]);
    expect(numbers(await readLogs({ dir, last: 1000 }))).toEqual(range(30));
  });

  it('returns nothing for a folder that does not exist', async () => {
    expect(await readLogs({ dir: join(await temp.make(), 'none') })).toEqual([]);
  });

  it('filters by server, minimum level, time and message, in any combination', async () => {
    const dir = await storeWith(mixed);
    const msgs = async (filter: LogFilter, last?: number) =>
      (await readLogs({ dir, filter, last })).map((e) => e.msg);
    expect(await msgs({ servers: ['docs'] })).toEqual(['GET /mcp 200', 'slow upstream: 812 ms']);
    expect(await msgs({ servers: ['mcpx', 'docs'], level: 'info' })).toEqual([
      'starting 2 servers',
      'slow upstream: 812 ms',
      'docs#1 restarted',
    ]);
    expect(await msgs({ level: 'warning' })).toEqual([
      'slow upstream: 812 ms',
      'upstream timeout',
      'out of memory: timeout',
    ]);
    expect(await msgs({ since: new Date(mixed[4]!.time) })).toEqual([
      'upstream timeout',
      'docs#1 restarted',
      'out of memory: timeout',
    ]);
    expect(await msgs({ grep: /time(out)?/ })).toEqual([
      'upstream timeout',
      'out of memory: timeout',
    ]);
    expect(await msgs({ grep: /timeout/g, servers: ['weather'], level: 'critical' })).toEqual([
      'out of memory: timeout',
    ]);
    expect(await msgs({ level: 'debug' }, 2)).toEqual([
      'docs#1 restarted',
      'out of memory: timeout',
    ]);
    expect(await msgs({ servers: [] })).toEqual([]);
  });

  it('skips lines that are not events and a torn last line', async () => {
    const dir = await storeWith([event(0), event(1)]);
    await appendFile(join(dir, LIVE), 'not json\n{"time":"x"}\n' + JSON.stringify(event(2)));
    expect(numbers(await readLogs({ dir }))).toEqual([0, 1]);
  });
});

describe('followLogs', () => {
  it('yields the tail, then events as they are written, across rotations', async () => {
    const dir = await temp.make();
    const store = await LogStore.open({ dir, maxFileBytes: 300, maxFiles: 100 });
    for (const i of range(10)) await store.write(event(i));
    await store.flush();
    const stop = new AbortController();
    const follow = followLogs({ dir, last: 3, signal: stop.signal, pollMs: 20 });
    const { got, done } = collect(follow, 3 + 40, stop);
    // The tail marks the point where following starts: what is written later is new.
    await until('3 events', () => got.length === 3, { everyMs: 5 });
    for (const i of range(40, 10)) {
      await store.write(event(i));
      // Every 5 events, until the follower has them: it follows live, rotation by rotation.
      if (i % 5 === 4) {
        await store.flush();
        await until(`event ${i}`, () => got.some((e) => e.msg === `event ${i}`), { everyMs: 5 });
      }
    }
    expect(numbers(await done)).toEqual(range(43, 7));
    expect((await readdir(dir)).length).toBeGreaterThan(10);
    await store.close();
  });

  it('ends cleanly when the signal aborts while waiting, and at once if already aborted', async () => {
    const dir = await storeWith([event(0)]);
    const stop = new AbortController();
    const got: LogEvent[] = [];
    const done = (async () => {
      for await (const e of followLogs({ dir, signal: stop.signal, pollMs: 10_000 })) got.push(e);
    })();
    await until('1 events', () => got.length === 1, { everyMs: 5 });
    stop.abort();
    await done;
    expect(numbers(got)).toEqual([0]);
    const aborted = AbortSignal.abort();
    const none: LogEvent[] = [];
    for await (const e of followLogs({ dir, signal: aborted })) none.push(e);
    expect(none).toEqual([]);
  });

  it('follows a line appended to an idle store, woken by the change in the folder', async () => {
    const dir = await storeWith([event(0)]);
    const stop = new AbortController();
    const idle = idleCounter();
    // No fallback polling: only the folder's watch (or its once-a-second check) wakes it.
    const { got, done } = collect(
      followLogs({ dir, signal: stop.signal, pollMs: 600_000, ...idle }),
      2,
      stop,
    );
    await until('the follower to wait', () => got.length === 1 && idle.count() >= 1, {
      everyMs: 5,
    });
    await appendFile(join(dir, LIVE), `${JSON.stringify(event(1))}\n`);
    expect(numbers(await done)).toEqual([0, 1]);
  });

  it('waits for the newline of a line being written before yielding it', async () => {
    const dir = await storeWith([]);
    const stop = new AbortController();
    const got: LogEvent[] = [];
    const idle = idleCounter();
    const done = (async () => {
      for await (const e of followLogs({ dir, signal: stop.signal, pollMs: 10, ...idle })) {
        got.push(e);
        if (got.length === 2) stop.abort();
      }
    })();
    /** Appends, then waits until the follower has looked at what was appended. */
    const append = async (text: string): Promise<void> => {
      const seen = idle.count();
      await appendFile(join(dir, LIVE), text);
      await until('the follower to look', () => idle.count() >= seen + 2, { everyMs: 5 });
    };
    const line = JSON.stringify(event(0));
    await append(line.slice(0, 20));
    await append(line.slice(20));
    expect(got).toEqual([]);
    await appendFile(join(dir, LIVE), `\n${JSON.stringify(event(1)).slice(0, 5)}`);
    await until('1 events', () => got.length === 1, { everyMs: 5 });
    expect(numbers(got)).toEqual([0]);
    await appendFile(join(dir, LIVE), `${JSON.stringify(event(1)).slice(5)}\n`);
    await done;
    expect(numbers(got)).toEqual([0, 1]);
  });

  it('starts before the folder exists and picks up the first events', async () => {
    const dir = join(await temp.make(), '.mcpx', 'logs');
    const stop = new AbortController();
    const idle = idleCounter();
    const { done } = collect(
      followLogs({ dir, last: 50, signal: stop.signal, pollMs: 10, ...idle }),
      5,
      stop,
    );
    // It has looked, found no folder, and waits.
    await until('the follower to wait', () => idle.count() >= 2, { everyMs: 5 });
    const store = await LogStore.open({ dir });
    for (const i of range(5)) await store.write(event(i));
    expect(numbers(await done)).toEqual(range(5));
    await store.close();
  });

  it('follows several rotations that happen between two polls', async () => {
    const dir = await temp.make();
    await mkdir(dir, { recursive: true });
    const lines = (from: number, n: number): string =>
      range(n, from)
        .map((i) => `${JSON.stringify(event(i))}\n`)
        .join('');
    await writeFile(join(dir, LIVE), lines(0, 2));
    const stop = new AbortController();
    const follow = followLogs({ dir, last: 1, signal: stop.signal, pollMs: 50 });
    expect((await follow.next()).value).toEqual(event(1));
    // The follower is suspended at its yield and reads nothing until the next call: everything
    // below happens "between two polls". What a writer does, by hand: finish the segment, create
    // the next; three times.
    await appendFile(join(dir, LIVE), lines(2, 2));
    await writeFile(join(dir, segmentName(2)), lines(4, 2));
    await writeFile(join(dir, segmentName(3)), lines(6, 2));
    await writeFile(join(dir, segmentName(4)), lines(8, 2));
    const rest: LogEvent[] = [];
    while (rest.length < 8) {
      const next = await follow.next();
      if (next.done === true) break;
      rest.push(next.value);
    }
    stop.abort();
    expect(await follow.next()).toEqual({ done: true, value: undefined });
    expect(numbers(rest)).toEqual(range(8, 2));
  });

  it('reads a flood written concurrently with tiny rotations: all, once, in order', async () => {
    const dir = await temp.make();
    const store = await LogStore.open({
      dir,
      maxFileBytes: 16 * 1024,
      maxFiles: 100_000,
      highWaterMark: 16 * 1024,
    });
    const total = 50_000;
    await store.write(event(0));
    await store.flush();
    const stop = new AbortController();
    const follow = followLogs({ dir, last: 1, signal: stop.signal, pollMs: 10 });
    const { got, done } = collect(follow, total, stop);
    await until('1 events', () => got.length === 1, { everyMs: 5 });
    for (let i = 1; i < total; i++) {
      await store.write(event(i, { data: { pad: 'x'.repeat(i % 97) } }));
      // Let the reader interleave with the writer rather than only catch up at the end.
      if (i % 1000 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    const events = await done;
    await store.close();
    expect((await readdir(dir)).length).toBeGreaterThan(100);
    expect(events).toHaveLength(total);
    expect(numbers(events)).toEqual(range(total));
  }, 60_000);

  /**
   * A reader that stops pulling (paused output) while the writer rotates many times more than
   * maxFiles, each 10 events once the follower holds what is finished (or all it may hold).
   */
  async function lagBehind(holdFiles: number, total: number) {
    const dir = await temp.make();
    const store = await LogStore.open({ dir, maxFileBytes: 4 * 1024, maxFiles: 8 });
    await store.write(event(0));
    await store.flush();
    const stop = new AbortController();
    const follow = followLogs({ dir, last: 1, signal: stop.signal, pollMs: 10, holdFiles });
    expect((await follow.next()).value).toEqual(event(0));
    // The consumer now pulls nothing until the writer is done.
    for (let i = 1; i < total; i++) {
      await store.write(event(i));
      if (i % 10 === 0) {
        await store.flush();
        // Every finished segment held open by the follower (or as many as it may hold) before
        // the writer goes on: pruning then takes nothing it has not got.
        let ready = false;
        await until(
          'the follower to hold the finished segments',
          () => ready,
          {},
          async () => {
            const names = (await readdir(dir)).sort();
            const finished = names.slice(0, -1).map((name) => join(dir, name));
            const open = openHere(dir);
            // Held past pruning too ("... (deleted)"); the live segment is the writer's.
            open.delete(join(dir, names.at(-1) ?? ''));
            ready = finished.every((path) => open.has(path)) || open.size >= holdFiles;
          },
        );
      }
    }
    await store.close();
    const rotations = (await readdir(dir)).length; // maxFiles kept + the live segment
    const rest: LogEvent[] = [];
    while (!rest.some((e) => e.msg === `event ${total - 1}`)) {
      const next = await follow.next();
      if (next.done === true) break;
      rest.push(next.value);
    }
    stop.abort();
    await follow.return(undefined);
    return { rest, rotations };
  }

  it('holds the rotated files of a lagging reader open, so pruning loses it nothing', async () => {
    const total = 1500; // about 40 files of 4 KiB, with 8 kept
    const { rest, rotations } = await lagBehind(64, total);
    expect(rotations).toBe(9);
    expect(rest.filter((e) => e.server === 'mcpx')).toEqual([]);
    expect(numbers(rest)).toEqual(range(total - 1, 1));
  }, 30_000);

  it('past holdFiles, reports the pruned files as one warning where they were', async () => {
    const total = 1500;
    const { rest } = await lagBehind(5, total);
    const gaps = rest.filter((e) => e.server === 'mcpx');
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toMatchObject({ stream: 'mcpx', level: 'warning' });
    expect(gaps[0]?.msg).toMatch(
      /^mcpx logs fell behind: \d+ rotated log files were pruned before it could read them/,
    );
    const at = rest.indexOf(gaps[0]!);
    const before = numbers(rest.slice(0, at));
    const after = numbers(rest.slice(at + 1));
    // Whole files are missing, nothing else: both sides run without holes, in order, to the end.
    expect(before).toEqual(range(before.length, 1));
    expect(after).toEqual(range(after.length, total - after.length));
    expect(before.length + after.length).toBeLessThan(total - 1);
  }, 30_000);

  it('stops reading when the consumer breaks out of the loop', async () => {
    const dir = await storeWith(range(10).map((i) => event(i)));
    const signal = new AbortController().signal;
    const got: LogEvent[] = [];
    for await (const e of followLogs({ dir, last: 10, signal })) {
      got.push(e);
      if (got.length === 3) break;
    }
    expect(numbers(got)).toEqual([0, 1, 2]);
  });
});
