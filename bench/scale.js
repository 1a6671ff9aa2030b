// Scale: 20 servers from `mcpx dev` start to all ready, and mcpx's own memory, beside a bare SDK
// script that spawns the same 20 servers and initializes and lists each (no supervision at all).
//   npm run build && node bench/scale.js [servers]
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BIN, REPO, makeWorkspace, median, run } from './lib/workspace.js';

const COUNT = Number(process.argv[2] ?? 20);
const ROUNDS = 3;
const server = join(REPO, 'test/fixtures/good-stdio.ts');

async function rssOf(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (name) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

async function mcpxDev() {
  const entries = Object.fromEntries(
    Array.from({ length: COUNT }, (_, i) => [`s${i + 1}`, { command: 'node', args: [server] }]),
  );
  const ws = await makeWorkspace(entries);
  const started = performance.now();
  const proc = run(process.execPath, [BIN, 'dev', '--no-watch'], { cwd: ws.dir });
  await proc.next(new RegExp(`${COUNT} of ${COUNT} servers ready`), 60_000);
  const ms = performance.now() - started;
  const memory = await rssOf(proc.child.pid);
  await proc.stop();
  await ws.remove();
  return { ms, memory };
}

async function bareSdk() {
  const started = performance.now();
  const clients = await Promise.all(
    Array.from({ length: COUNT }, async () => {
      const client = new Client({ name: 'bench', version: '0' });
      await client.connect(
        new StdioClientTransport({ command: process.execPath, args: [server], stderr: 'ignore' }),
      );
      await client.listTools();
      return client;
    }),
  );
  const ms = performance.now() - started;
  await Promise.all(clients.map((client) => client.close()));
  return { ms };
}

const mcpx = [];
const bare = [];
for (let round = 0; round < ROUNDS; round++) {
  bare.push(await bareSdk());
  mcpx.push(await mcpxDev());
}
const mcpxMs = median(mcpx.map((r) => r.ms));
const bareMs = median(bare.map((r) => r.ms));
console.log(`scale: ${COUNT} stdio servers, median of ${ROUNDS}, node ${process.version}`);
console.log(
  `bare SDK script, spawn + initialize + list all   ${bareMs.toFixed(0).padStart(6)} ms   1.00x`,
);
console.log(
  `mcpx dev, process start to "all ready"          ${mcpxMs.toFixed(0).padStart(6)} ms   ${(mcpxMs / bareMs).toFixed(2)}x`,
);
console.log(
  `mcpx dev RSS when ready: ${median(mcpx.map((r) => r.memory.rss)).toFixed(1)} MiB (peak ${median(mcpx.map((r) => r.memory.peak)).toFixed(1)} MiB)`,
);
