// Reload latency: from saving a server's source file to the new code answering tools/list.
//   npm run build && node bench/reload.js [rounds]
// Compared in one run, in interleaved rounds (each round takes one sample of every row), on the same
// server (the example tools server, Streamable HTTP entry), each watcher on its own copy of it:
//   floor        a cold spawn + initialize + tools/list of the server (what a cold reload must pay),
//                and the same with Node's compile cache warm (mcpx dev sets NODE_COMPILE_CACHE)
//   mcpx dev     save -> mcpx's "reloaded" line (mcpx has initialized and listed the new instance)
//   nodemon, node --watch, tsx watch
//                save -> a polling SDK client (every 10 ms) sees the new description in tools/list
// One save before the rounds warms every watcher up (mcpx's first save of a session is a cold
// reload: its standby starts after it, see the README); it is not counted.
// Target (#12): mcpx's median <= 0.5x the cold floor.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BIN, REPO, freePort, makeWorkspace, median, run, sleep } from './lib/workspace.js';

const rounds = Number(process.argv[2] ?? 11);
const bin = (name) => join(REPO, 'node_modules/.bin', name);
const SERVER = {
  command: 'node',
  args: ['src/http.ts'],
  cwd: 'servers/text-kit',
  transport: 'http',
};

/** initialize + tools/list against http://127.0.0.1:port/mcp; the tools, or undefined on failure. */
async function listTools(port) {
  const client = new Client({ name: 'bench', version: '0' });
  try {
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)),
    );
    return (await client.listTools()).tools;
  } catch {
    return undefined;
  } finally {
    await client.close().catch(() => {});
  }
}

async function until(port, predicate, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const tools = await listTools(port);
    if (tools !== undefined && predicate(tools)) return;
    await sleep(10);
  }
  throw new Error(`port ${port}: condition not met within ${timeoutMs} ms`);
}

const hasRev = (rev) => (tools) => tools.some((t) => t.description?.includes(`(rev ${rev})`));

/** A copy of the example server in its own workspace, and a save that marks count_words with `rev`. */
async function copy() {
  const ws = await makeWorkspace({ kit: SERVER }, ['text-kit']);
  const server = join(ws.dir, 'servers/text-kit');
  const file = join(server, 'src/tools/count-words.ts');
  const original = await readFile(file, 'utf8');
  if (!original.includes("'Count the words"))
    throw new Error('count-words.ts changed: update the bench edit');
  return {
    ws,
    server,
    // As a developer saving a change would (writeFile truncates, then writes).
    save: (rev) =>
      writeFile(file, original.replace("'Count the words", `'(rev ${rev}) Count the words`)),
  };
}

/** One cold spawn + initialize + list. */
async function floorSample(server, env = {}) {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, ['src/http.ts'], {
    cwd: server,
    env: { ...process.env, PORT: String(port), ...env },
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  await until(port, () => true);
  const ms = performance.now() - started;
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  return ms;
}

/** A watcher that restarts the server itself; a sample = save -> the new description is listed. */
async function watcher(name, command, args) {
  const c = await copy();
  const port = await freePort();
  const proc = run(command, args, { cwd: c.server, env: { PORT: String(port) } });
  await until(port, () => true, 30_000);
  let i = 0;
  return {
    name,
    async sample() {
      const rev = `${name}-${i++}`;
      const started = performance.now();
      await c.save(rev);
      await until(port, hasRev(rev));
      return performance.now() - started;
    },
    async stop() {
      await proc.stop('SIGTERM');
      await c.ws.remove();
    },
  };
}

async function mcpxDev() {
  const c = await copy();
  // Any free port for the gateway: 7330 may be taken by another mcpx dev on the machine.
  const proc = run(process.execPath, [BIN, 'dev'], {
    cwd: c.ws.dir,
    env: { MCPX_GATEWAY_PORT: '0' },
  });
  await proc.next(/1 of 1 server ready/, 30_000);
  let i = 0;
  return {
    name: 'mcpx dev',
    async sample() {
      const reloaded = proc.next(/kit\s+\| reloaded in/);
      const started = performance.now();
      await c.save(`mcpx-${i++}`);
      await reloaded;
      return performance.now() - started;
    },
    async stop() {
      await proc.stop();
      await c.ws.remove();
    },
  };
}

const floorCopy = await copy();
const cache = { NODE_COMPILE_CACHE: join(floorCopy.ws.dir, '.cache') };
const rows = [
  { name: 'floor: cold spawn + initialize + list', sample: () => floorSample(floorCopy.server) },
  {
    name: '  same, with a warm NODE_COMPILE_CACHE',
    sample: () => floorSample(floorCopy.server, cache),
  },
];
const watchers = [];
try {
  watchers.push(await mcpxDev());
  watchers.push(
    await watcher('nodemon', bin('nodemon'), [
      '--quiet',
      '--watch',
      'src',
      '--ext',
      'ts',
      '--exec',
      `${process.execPath} src/http.ts`,
    ]),
  );
  watchers.push(await watcher('node --watch', process.execPath, ['--watch', 'src/http.ts']));
  watchers.push(await watcher('tsx watch', bin('tsx'), ['watch', 'src/http.ts']));
  rows.push(...watchers);
  const samples = rows.map(() => []);
  // Warm-up: a first save for each watcher and a first compile cache, not counted.
  for (const row of rows) await row.sample();
  for (let round = 0; round < rounds; round++) {
    for (const [index, row] of rows.entries()) {
      // Let the previous row's restart (and mcpx's standby) settle: each sample starts on idle cores.
      await sleep(400);
      samples[index].push(await row.sample());
    }
  }
  const base = median(samples[0]);
  console.log(`reload latency, ${rounds} interleaved rounds, node ${process.version}`);
  console.log('how                                      min  median     max   median/floor');
  for (const [index, row] of rows.entries()) {
    const s = samples[index];
    const [min, med, max] = [Math.min(...s), median(s), Math.max(...s)].map((v) =>
      v.toFixed(0).padStart(5),
    );
    console.log(
      `${row.name.padEnd(38)} ${min} ${med}ms ${max}ms   ${(median(s) / base).toFixed(2)}x`,
    );
  }
} finally {
  for (const w of watchers) await w.stop().catch(() => {});
  await floorCopy.ws.remove();
}
