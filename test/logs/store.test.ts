import { appendFile, readFile, readdir, stat, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/logs/event.js';
import { LEGACY_CURRENT_FILE, segmentName } from '../../src/logs/files.js';
import { readLogs } from '../../src/logs/read.js';
import { LogStore } from '../../src/logs/store.js';
import { event, numbers, range, tempDirs } from './helpers.js';

const temp = tempDirs();
afterEach(temp.cleanup);

/** Every line of every file in the folder, oldest file first, checking each is a whole event. */
async function allLines(dir: string): Promise<{ files: string[]; events: LogEvent[] }> {
  const names = (await readdir(dir)).sort();
  const events: LogEvent[] = [];
  for (const name of names) {
    const text = await readFile(join(dir, name), 'utf8');
    if (text === '') continue;
    expect(text.endsWith('\n'), `${name} ends with a newline`).toBe(true);
    for (const line of text.slice(0, -1).split('\n')) events.push(JSON.parse(line) as LogEvent);
  }
  return { files: names, events };
}

describe('LogStore', () => {
  it('appends one JSON line per event and creates the folder', async () => {
    const dir = join(await temp.make(), '.mcpx', 'logs');
    const store = await LogStore.open({ dir });
    const events = [
      event(0),
      event(1, { server: 'mcpx', stream: 'mcpx', level: 'notice' }),
      event(2, { level: 'error', data: { level: 50, msg: 'x\ny' } }),
    ];
    for (const e of events) await store.write(e);
    await store.close();
    expect(await readdir(dir)).toEqual([segmentName(1)]);
    const text = await readFile(join(dir, segmentName(1)), 'utf8');
    expect(text).toBe(events.map((e) => `${JSON.stringify(e)}\n`).join(''));
    expect(await readLogs({ dir })).toEqual(events);
  });

  it('continues the live segment of a previous run, ending a line that run left torn', async () => {
    const dir = await temp.make();
    const first = await LogStore.open({ dir });
    await first.write(event(0));
    await first.close();
    await appendFile(join(dir, segmentName(1)), '{"time":"2025-06-01T12:00:00.001Z","serv');
    const second = await LogStore.open({ dir });
    await second.write(event(1));
    await second.close();
    const lines = (await readFile(join(dir, segmentName(1)), 'utf8')).split('\n');
    expect(lines).toHaveLength(4);
    expect(numbers(await readLogs({ dir }))).toEqual([0, 1]);
  });

  it('rotates by size into the next number, keeps maxFiles complete ones and reads back in order', async () => {
    const dir = await temp.make();
    const line = Buffer.byteLength(`${JSON.stringify(event(100))}\n`);
    const store = await LogStore.open({ dir, maxFileBytes: line * 3, maxFiles: 2 });
    for (const i of range(20, 100)) await store.write(event(i));
    await store.close();
    expect((await readdir(dir)).sort()).toEqual(['000005.jsonl', '000006.jsonl', '000007.jsonl']);
    for (const name of await readdir(dir)) {
      expect((await stat(join(dir, name))).size).toBeLessThanOrEqual(line * 3);
    }
    // 20 events, 3 per file: files 1-6 hold 18, the live 7 holds 2; files 1-4 were deleted.
    expect(numbers(await readLogs({ dir }))).toEqual(range(8, 112));
    expect(numbers(await readLogs({ dir, last: 4 }))).toEqual([116, 117, 118, 119]);
  });

  it('continues the highest segment of an earlier run and prunes what it left beyond maxFiles', async () => {
    // As a run that died between finishing segment 4 and creating 5 leaves it.
    const dir = await temp.make();
    await mkdir(dir, { recursive: true });
    for (const seq of [1, 2, 3, 4]) {
      await writeFile(join(dir, segmentName(seq)), `${JSON.stringify(event(seq))}\n`);
    }
    const store = await LogStore.open({ dir, maxFileBytes: 1, maxFiles: 2 });
    expect((await readdir(dir)).sort()).toEqual(['000002.jsonl', '000003.jsonl', '000004.jsonl']);
    await store.write(event(5));
    await store.close();
    expect((await readdir(dir)).sort()).toEqual(['000003.jsonl', '000004.jsonl', '000005.jsonl']);
    expect(numbers(await readLogs({ dir }))).toEqual([3, 4, 5]);
  });

  it("takes an older mcpx's current.jsonl as the live segment, after its rotated files", async () => {
    const dir = await temp.make();
    await mkdir(dir, { recursive: true });
    for (const seq of [7, 8]) {
      await writeFile(join(dir, segmentName(seq)), `${JSON.stringify(event(seq))}\n`);
    }
    // That mcpx died in the middle of a line.
    await writeFile(
      join(dir, LEGACY_CURRENT_FILE),
      `${JSON.stringify(event(9))}\n{"time":"2025-06-01T12:00:00.001Z","serv`,
    );
    const store = await LogStore.open({ dir, maxFiles: 5 });
    await store.write(event(10));
    await store.close();
    expect((await readdir(dir)).sort()).toEqual(['000007.jsonl', '000008.jsonl', '000009.jsonl']);
    expect(numbers(await readLogs({ dir }))).toEqual([7, 8, 9, 10]);
  });

  it('gives an event larger than maxFileBytes a file of its own, whole', async () => {
    const dir = await temp.make();
    const store = await LogStore.open({ dir, maxFileBytes: 100, maxFiles: 10 });
    await store.write(event(0));
    await store.write(event(1, { msg: 'x'.repeat(500) }));
    await store.write(event(2));
    await store.close();
    const { events, files } = await allLines(dir);
    expect(files).toEqual(['000001.jsonl', '000002.jsonl', '000003.jsonl']);
    expect(events.map((e) => e.msg.length)).toEqual([7, 500, 7]);
  });

  it('counts bytes, not characters, against maxFileBytes', async () => {
    const dir = await temp.make();
    const wide = event(0, { msg: 'é'.repeat(50) });
    const bytes = Buffer.byteLength(`${JSON.stringify(wide)}\n`);
    const store = await LogStore.open({ dir, maxFileBytes: bytes * 2, maxFiles: 50 });
    for (let i = 0; i < 9; i++) void store.write(wide);
    await store.close();
    for (const name of await readdir(dir)) {
      expect((await stat(join(dir, name))).size).toBeLessThanOrEqual(bytes * 2);
    }
    expect((await allLines(dir)).events).toHaveLength(9);
  });

  it('makes the producer wait above highWaterMark, and resolves once the backlog is written', async () => {
    const dir = await temp.make();
    const store = await LogStore.open({ dir, highWaterMark: 1000 });
    let bigDone = false;
    const small = store.write(event(0));
    const big = store.write(event(1, { msg: 'x'.repeat(2000) }))!.then(() => {
      bigDone = true;
    });
    await small;
    // No file I/O completes within microtasks: the big one is still waiting for the disk.
    await Promise.resolve();
    expect(bigDone).toBe(false);
    await big;
    expect((await readLogs({ dir })).map((e) => e.msg.length)).toEqual([7, 2000]);
    await store.close();
  });

  it('gives no promise to wait on below highWaterMark, and one above it', async () => {
    // A flood of small events makes no promise (and no microtask) per event.
    const dir = await temp.make();
    const store = await LogStore.open({ dir, highWaterMark: 1000 });
    for (const i of range(5)) expect(store.write(event(i))).toBeUndefined();
    const waiting = store.write(event(5, { msg: 'x'.repeat(2000) }));
    expect(waiting).toBeInstanceOf(Promise);
    await waiting;
    expect(store.write(event(6))).toBeUndefined();
    await store.close();
    expect(numbers(await readLogs({ dir })).slice(0, 5)).toEqual(range(5));
    expect((await readLogs({ dir })).map((e) => e.msg.length)).toEqual([7, 7, 7, 7, 7, 2000, 7]);
  });

  it('rejects writes after close, and bad options', async () => {
    const dir = await temp.make();
    const store = await LogStore.open({ dir });
    await store.close();
    await expect(store.write(event(0))).rejects.toThrow(/after close/);
    await expect(LogStore.open({ dir, maxFileBytes: 0 })).rejects.toThrow(RangeError);
    await expect(LogStore.open({ dir, maxFiles: 1.5 })).rejects.toThrow(RangeError);
  });

  it('keeps a flood of 200,000 events whole, once each, in order, across tiny rotations', async () => {
    const dir = await temp.make();
    const store = await LogStore.open({
      dir,
      maxFileBytes: 64 * 1024,
      maxFiles: 100_000,
      highWaterMark: 64 * 1024,
    });
    const total = 200_000;
    // Half awaited as a supervisor does under load, half fired without waiting: neither loses any.
    for (let i = 0; i < total; i++) {
      const written = store.write(event(i, { server: `s${i % 7}`, msg: `event ${i}` }));
      if (i % 2 === 0) await written;
    }
    await store.close();
    const { files, events } = await allLines(dir);
    expect(files.length).toBeGreaterThan(300);
    expect(events).toHaveLength(total);
    expect(numbers(events)).toEqual(range(total));
    const read = await readLogs({ dir });
    expect(read).toHaveLength(total);
    expect(numbers(read)).toEqual(range(total));
  }, 60_000);
});
