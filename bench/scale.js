// Scale: N stdio servers from `mcpx dev` start to every one ready, beside a bare SDK script that
// spawns the same N servers at once and initializes and lists each (no supervision at all).
//   npm run build && node bench/scale.js [servers=20] [rounds=3] [--before path/to/old/bin/run.js]
// --before adds an older build of mcpx as a side, in the same interleaved rounds; --limits 4,16
// adds mcpx with MCPX_START_CONCURRENCY at each value (default: two starts per core).
// Rounds alternate which side goes first. Each side gets a deadline (3 s per server, at least
// 60 s): a server not ready by then counts as not ready, and the round ends anyway, so a run with
// failing servers reports how many were ready and when instead of hanging.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BIN, REPO, freePort, makeWorkspace, median, run } from './lib/workspace.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { before: { type: 'string' }, limits: { type: 'string' } },
});
const COUNT = Number(positionals[0] ?? 20);
const ROUNDS = Number(positionals[1] ?? 3);
const DEADLINE_MS = Math.max(60_000, COUNT * 3000);
const server = join(REPO, 'test/fixtures/good-stdio.ts');

async function rssOf(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (name) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** mcpx dev: when each server's "ready in" line came, and what its "N of M servers ready" line said. */
async function mcpxDev(bin, env = {}) {
  const entries = Object.fromEntries(
    Array.from({ length: COUNT }, (_, i) => [`s${i + 1}`, { command: 'node', args: [server] }]),
  );
  const ws = await makeWorkspace(entries);
  const started = performance.now();
  // A port of its own: the default one may be taken by another mcpx on this machine.
  const args = [bin, 'dev', '--no-watch', '--gateway-port', String(await freePort())];
  const proc = run(process.execPath, args, { cwd: ws.dir, env });
  const readyAt = new Map();
  let summary;
  let memory;
  let allReady;
  const done = new Promise((resolve) => {
    allReady = resolve;
  });
  const lines = [];
  const onLine = (line) => {
    lines.push(line);
    if (lines.length > 5) lines.shift();
    const ready = /\|\s*(s\d+)\s*\| ready in /.exec(line);
    if (ready && !readyAt.has(ready[1])) readyAt.set(ready[1], performance.now() - started);
    const counted = /(\d+) of (\d+) servers ready in/.exec(line);
    if (counted) summary = { ready: Number(counted[1]), ms: performance.now() - started };
    if (readyAt.size === COUNT && summary !== undefined) allReady();
  };
  // The bench's own line reader, for every line rather than the next match.
  let pending = '';
  const onText = (text) => {
    const lines = (pending + text).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  };
  proc.child.stdout.on('data', onText);
  proc.child.stderr.on('data', onText);
  const timer = setTimeout(allReady, DEADLINE_MS);
  await Promise.race([done, proc.exited]);
  clearTimeout(timer);
  if (proc.child.exitCode === null) memory = await rssOf(proc.child.pid).catch(() => undefined);
  const exit = proc.child.exitCode ?? proc.child.signalCode;
  await proc.stop();
  await ws.remove();
  // What went wrong is worth seeing: the last lines, and an exit before the deadline.
  if (readyAt.size < COUNT) {
    console.error(`mcpx dev${exit === null ? '' : ` exited (${exit})`}; its last lines:`);
    for (const line of lines) console.error(`  ${line}`);
  }
  return { readyAt: [...readyAt.values()], summary, memory };
}

/** The bare script: all N spawned at once, each initialized and listed within the deadline. */
async function bareSdk() {
  const started = performance.now();
  const clients = [];
  const readyAt = [];
  const deadline = AbortSignal.timeout(DEADLINE_MS);
  await Promise.allSettled(
    Array.from({ length: COUNT }, async () => {
      const client = new Client({ name: 'bench', version: '0' });
      clients.push(client);
      await client.connect(
        new StdioClientTransport({ command: process.execPath, args: [server], stderr: 'ignore' }),
        { signal: deadline, timeout: DEADLINE_MS },
      );
      await client.listTools(undefined, { signal: deadline, timeout: DEADLINE_MS });
      readyAt.push(performance.now() - started);
    }),
  );
  await Promise.allSettled(clients.map((client) => client.close()));
  return { readyAt };
}

const limits = values.limits === undefined ? [] : values.limits.split(',');
const sides = [
  'bare',
  ...(values.before === undefined ? [] : ['before']),
  'mcpx',
  ...limits.map((n) => `limit ${n}`),
];
const rows = Object.fromEntries(sides.map((side) => [side, []]));
for (let round = 0; round < ROUNDS; round++) {
  // Each side goes first in turn.
  const order = sides.map((_, i) => sides[(i + round) % sides.length]);
  for (const side of order) {
    const result =
      side === 'bare'
        ? await bareSdk()
        : side === 'before'
          ? await mcpxDev(values.before)
          : side === 'mcpx'
            ? await mcpxDev(BIN)
            : await mcpxDev(BIN, { MCPX_START_CONCURRENCY: side.slice('limit '.length) });
    rows[side].push(result);
    const last = result.readyAt.length === 0 ? NaN : Math.max(...result.readyAt);
    console.error(
      `round ${round + 1} ${side}: ${result.readyAt.length}/${COUNT} ready, last at ${last.toFixed(0)} ms` +
        (result.summary === undefined
          ? ''
          : `; "ready" line said ${result.summary.ready}/${COUNT} at ${result.summary.ms.toFixed(0)} ms`),
    );
  }
}

const spread = (values) => {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return 'n/a';
  return `${Math.min(...finite).toFixed(0)} / ${median(finite).toFixed(0)} / ${Math.max(...finite).toFixed(0)} ms`;
};
/** Time to all N ready; a round where some never became ready has none. */
const allReadyMs = (r) => (r.readyAt.length === COUNT ? Math.max(...r.readyAt) : NaN);
const counts = (side) => rows[side].map((r) => r.readyAt.length).join(', ');
const bareMedian = median(rows.bare.map(allReadyMs));

console.log(`scale: ${COUNT} stdio servers, ${ROUNDS} interleaved rounds, node ${process.version}`);
console.log(
  `side                                 ready (per round)   all ready min / median / max`,
);
const labels = {
  bare: 'bare SDK script (all at once)',
  before: 'mcpx dev, --before build',
  mcpx: 'mcpx dev (process start)',
};
for (const n of limits) labels[`limit ${n}`] = `mcpx dev, MCPX_START_CONCURRENCY=${n}`;
for (const side of sides) {
  const label = labels[side];
  const times = rows[side].map(allReadyMs);
  const ratio = median(times) / bareMedian;
  console.log(
    `${label.padEnd(36)} ${counts(side).padEnd(19)} ${spread(times)}   ${Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : '-'}`,
  );
}
for (const side of sides.filter((s) => s !== 'bare')) {
  const summaries = rows[side].map((r) => r.summary);
  console.log(
    `${labels[side]}: its "N of ${COUNT} servers ready" line: ${summaries.map((s) => (s === undefined ? 'none' : `${s.ready} at ${s.ms.toFixed(0)} ms`)).join('; ')}`,
  );
  const memories = rows[side].map((r) => r.memory).filter((m) => m !== undefined);
  if (memories.length > 0) {
    console.log(
      `${labels[side]}: RSS when ready ${median(memories.map((m) => m.rss)).toFixed(1)} MiB (peak ${median(memories.map((m) => m.peak)).toFixed(1)} MiB)`,
    );
  }
}
