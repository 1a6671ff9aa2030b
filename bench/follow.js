// `mcpx logs --follow` against `tail -F` on the same live log file: CPU while idle, and latency
// from an event appended to the store to its line on the follower's stdout.
//   npm run build && node bench/follow.js [rounds=3] [--idle seconds=10] [--before path/to/old/bin/run.js]
// Each round starts every follower afresh, in turn; idle CPU is the process's user+system time
// (/proc/<pid>/stat) over the idle window, as a share of one core.
import { spawn } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BIN, median, sleep } from './lib/workspace.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { idle: { type: 'string', default: '10' }, before: { type: 'string' } },
});
const ROUNDS = Number(positionals[0] ?? 3);
const IDLE_S = Number(values.idle);
const LATENCY_SAMPLES = 30;
const TICKS_PER_S = 100; // USER_HZ on Linux

async function cpuSeconds(pid) {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
}

function follower(command, args, cwd) {
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'ignore'] });
  const waiters = new Set();
  let pending = '';
  child.stdout.setEncoding('utf8').on('data', (text) => {
    const lines = (pending + text).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) for (const waiter of waiters) waiter(line);
  });
  return {
    child,
    /** Resolves when a line containing `text` arrives (lines before the call do not count). */
    seen(text) {
      return new Promise((resolve) => {
        const waiter = (line) => {
          if (!line.includes(text)) return;
          waiters.delete(waiter);
          resolve(performance.now());
        };
        waiters.add(waiter);
      });
    },
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

let counter = 0;
function eventLine(msg) {
  return `${JSON.stringify({ time: new Date().toISOString(), server: 'bench', replica: 0, stream: 'stderr', level: 'info', msg })}\n`;
}

async function measure(side) {
  const dir = await mkdtemp(join(tmpdir(), 'mcpx-follow-'));
  try {
    await writeFile(join(dir, 'mcpx.json'), JSON.stringify({ mcpServers: {} }));
    const logs = join(dir, '.mcpx', 'logs');
    await mkdir(logs, { recursive: true });
    const live = join(logs, '000001.jsonl');
    await writeFile(live, eventLine('first'));
    const proc =
      side === 'tail -F'
        ? follower('tail', ['-F', '-n', '1', live], dir)
        : follower(
            process.execPath,
            [side === 'before' ? values.before : BIN, 'logs', '--follow', '--json', '-n', '1'],
            dir,
          );
    try {
      // Ready: it has printed an event appended after it started.
      const warm = `warm ${counter++}`;
      const ready = proc.seen(warm);
      for (let i = 0; ; i++) {
        await appendFile(live, eventLine(warm));
        const got = await Promise.race([ready, sleep(500).then(() => undefined)]);
        if (got !== undefined) break;
        if (i > 60) throw new Error(`${side} printed nothing within 30 s`);
      }
      await sleep(1000);
      const cpuBefore = await cpuSeconds(proc.child.pid);
      await sleep(IDLE_S * 1000);
      const idle = ((await cpuSeconds(proc.child.pid)) - cpuBefore) / IDLE_S;
      const latencies = [];
      for (let i = 0; i < LATENCY_SAMPLES; i++) {
        const msg = `latency ${counter++}`;
        const seen = proc.seen(msg);
        const sent = performance.now();
        await appendFile(live, eventLine(msg));
        latencies.push((await seen) - sent);
        // Apart, so each append finds the follower idle, as a log line usually does.
        await sleep(20);
      }
      return { idle, latency: median(latencies) };
    } finally {
      await proc.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const sides = ['tail -F', ...(values.before === undefined ? [] : ['before']), 'mcpx'];
const rows = Object.fromEntries(sides.map((side) => [side, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const side of sides.map((_, i) => sides[(i + round) % sides.length])) {
    const result = await measure(side);
    rows[side].push(result);
    console.error(
      `round ${round + 1} ${side}: idle ${(result.idle * 100).toFixed(2)}% of a core, latency ${result.latency.toFixed(1)} ms`,
    );
  }
}
const spread = (values, format) =>
  [Math.min(...values), median(values), Math.max(...values)].map(format).join(' / ');
const labels = {
  'tail -F': 'tail -F',
  before: 'mcpx logs --follow, --before build',
  mcpx: 'mcpx logs --follow',
};
console.log(
  `follow: ${ROUNDS} rounds, ${IDLE_S} s idle each, median of ${LATENCY_SAMPLES} appends for latency, node ${process.version}`,
);
console.log(
  `${'follower'.padEnd(36)} ${'idle CPU, % of a core (min / median / max)'.padEnd(44)} latency min / median / max`,
);
for (const side of sides) {
  console.log(
    `${labels[side].padEnd(36)} ${spread(
      rows[side].map((r) => r.idle * 100),
      (v) => `${v.toFixed(2)}%`,
    ).padEnd(44)} ${spread(
      rows[side].map((r) => r.latency),
      (v) => v.toFixed(1),
    )} ms`,
  );
}
