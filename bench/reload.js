// Reload latency: from saving a server's source file to the new code answering tools/list.
//   npm run build && node bench/reload.js [iterations]
// Compared in one run, on the same server (the example tools server, Streamable HTTP entry):
//   floor        a cold spawn + initialize + tools/list of the server (what any reload must pay),
//                and the same with Node's compile cache warm (mcpx dev sets NODE_COMPILE_CACHE)
//   mcpx dev     save -> mcpx's "reloaded" line (mcpx has initialized and listed the new instance)
//   tsx watch    save -> a polling SDK client (every 10 ms) sees the new description in tools/list
//   nodemon      the same, with nodemon restarting `node src/http.ts`
// Target: mcpx's median within 1.3x the floor.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BIN, REPO, freePort, makeWorkspace, median, run, sleep } from './lib/workspace.js';

const iterations = Number(process.argv[2] ?? 11);
const bin = (name) => join(REPO, 'node_modules/.bin', name);

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

/** Edits count_words' description to carry `rev`, as a developer saving a change would. */
async function edit(file, original, rev) {
  await writeFile(file, original.replace("'Count the words", `'(rev ${rev}) Count the words`));
}

const hasRev = (rev) => (tools) => tools.some((t) => t.description?.includes(`(rev ${rev})`));

async function floor(server, env = {}) {
  const samples = [];
  for (let i = 0; i < iterations; i++) {
    const port = await freePort();
    const started = performance.now();
    const child = spawn(process.execPath, ['src/http.ts'], {
      cwd: server,
      env: { ...process.env, PORT: String(port), ...env },
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    await until(port, () => true);
    samples.push(performance.now() - started);
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  return samples;
}

async function watcher(name, server, file, original, command, args) {
  const port = await freePort();
  const proc = run(command, args, { cwd: server, env: { PORT: String(port) } });
  await until(port, () => true, 30_000);
  const samples = [];
  for (let i = 0; i < iterations; i++) {
    await sleep(300);
    const started = performance.now();
    await edit(file, original, `${name}-${i}`);
    await until(port, hasRev(`${name}-${i}`));
    samples.push(performance.now() - started);
  }
  await proc.stop('SIGTERM');
  return samples;
}

async function mcpxDev(ws, file, original) {
  const proc = run(process.execPath, [BIN, 'dev'], { cwd: ws });
  await proc.next(/1 of 1 server ready/, 30_000);
  const samples = [];
  for (let i = 0; i < iterations; i++) {
    await sleep(300);
    const reloaded = proc.next(/kit\s+\| reloaded in/);
    const started = performance.now();
    await edit(file, original, `mcpx-${i}`);
    await reloaded;
    samples.push(performance.now() - started);
  }
  await proc.stop();
  return samples;
}

const ws = await makeWorkspace(
  { kit: { command: 'node', args: ['src/http.ts'], cwd: 'servers/text-kit', transport: 'http' } },
  ['text-kit'],
);
const server = join(ws.dir, 'servers/text-kit');
const file = join(server, 'src/tools/count-words.ts');
const original = await readFile(file, 'utf8');
if (!original.includes("'Count the words"))
  throw new Error('count-words.ts changed: update the bench edit');
try {
  const results = [
    ['floor: cold spawn + initialize + list', await floor(server)],
    [
      '  same, with a warm NODE_COMPILE_CACHE',
      await floor(server, { NODE_COMPILE_CACHE: join(ws.dir, '.cache') }),
    ],
    ['mcpx dev (blue/green reload)', await mcpxDev(ws.dir, file, original)],
    [
      'tsx watch',
      await watcher('tsx', server, file, original, bin('tsx'), ['watch', 'src/http.ts']),
    ],
    [
      'nodemon',
      await watcher('nodemon', server, file, original, bin('nodemon'), [
        '--quiet',
        '--watch',
        'src',
        '--ext',
        'ts',
        '--exec',
        `${process.execPath} src/http.ts`,
      ]),
    ],
  ];
  const base = median(results[0][1]);
  console.log(`reload latency, median of ${iterations}, node ${process.version}`);
  console.log('how                                    median     ratio to floor');
  for (const [name, samples] of results) {
    const m = median(samples);
    console.log(`${name.padEnd(38)} ${m.toFixed(0).padStart(5)} ms   ${(m / base).toFixed(2)}x`);
  }
} finally {
  await writeFile(file, original);
  await ws.remove();
}
