// Throughput of the JSONL log store against plain ways of appending the same lines, in one run:
//   npm run build && node bench/logs-store.js [events]
// Cases: LogStore with the producer awaiting every write (as the supervisor does; default 10 MiB
// rotation), fs.appendFileSync once per event (the floor: one open/write/close each), and an
// fs.WriteStream with drain handling (the alternative the store's own buffering was chosen over).
// Prints events/s and the ratio to appendFileSync. No assertions: numbers to compare.
import { appendFileSync, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogStore } from '../dist/logs/store.js';

const EVENTS = Number(process.argv[2] ?? 200_000);
const base = mkdtempSync(join(tmpdir(), 'mcpx-bench-logs-'));

const event = (i) => ({
  time: new Date(1_748_779_200_000 + i).toISOString(),
  server: `server-${i % 5}`,
  replica: 0,
  stream: 'stderr',
  level: i % 50 === 0 ? 'warning' : 'info',
  msg: `request ${i} handled in ${i % 97} ms`,
  ...(i % 10 === 0 ? { data: { level: 30, reqId: i, path: '/mcp' } } : {}),
});

const cases = {
  async 'LogStore (await each)'(dir) {
    const store = await LogStore.open({ dir });
    for (let i = 0; i < EVENTS; i++) await store.write(event(i));
    await store.close();
  },
  async 'appendFileSync per event'(dir) {
    const file = join(dir, '000001.jsonl');
    for (let i = 0; i < EVENTS; i++) appendFileSync(file, `${JSON.stringify(event(i))}\n`);
  },
  async 'fs.WriteStream + drain'(dir) {
    const stream = createWriteStream(join(dir, '000001.jsonl'), { flags: 'a' });
    for (let i = 0; i < EVENTS; i++) {
      if (!stream.write(`${JSON.stringify(event(i))}\n`)) await once(stream, 'drain');
    }
    stream.end();
    await once(stream, 'finish');
  },
};

async function time(name, run) {
  const dir = mkdtempSync(join(base, 'case-'));
  const started = process.hrtime.bigint();
  await run(dir);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  rmSync(dir, { recursive: true, force: true });
  return ms;
}

try {
  // One small warm-up of each so JIT and file-system caches favour none of them; then best of 3,
  // interleaved so that machine noise falls on every case alike.
  for (const [name, run] of Object.entries(cases)) await time(name, run);
  const best = new Map();
  for (let round = 0; round < 3; round++) {
    for (const [name, run] of Object.entries(cases)) {
      const ms = await time(name, run);
      best.set(name, Math.min(best.get(name) ?? Infinity, ms));
    }
  }
  const floor = best.get('appendFileSync per event');
  console.log(`node ${process.version}, ${EVENTS} events, best of 3`);
  console.log('case                       events/s   speed vs appendFileSync');
  for (const [name, ms] of best) {
    const rate = Math.round((EVENTS / ms) * 1000);
    console.log(`${name.padEnd(25)}  ${String(rate).padStart(9)}   ${(floor / ms).toFixed(2)}x`);
  }
} finally {
  rmSync(base, { recursive: true, force: true });
}
