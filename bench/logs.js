// Log throughput: two servers each write 200,000 stderr lines as fast as they can. mcpx dev takes
// them into its JSONL store and onto stdout, which this script reads slowly (a 1 ms pause per
// 64 KiB chunk, like a terminal that cannot keep up); then the same writers under `concurrently`.
//   npm run build && node bench/logs.js [lines per server]
// Prints, for each: wall time until both DONE lines arrived, lines lost and lines split, and the
// ratio of wall times. mcpx's store must have every line (0 lost, duplicated or torn); its stdout
// leaves out what a reader more than 4 MiB behind cannot take, and must announce every line it left
// out ("N lines not shown"): lost on stdout = announced.
import { open, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BIN, REPO, makeWorkspace, run } from './lib/workspace.js';

const LINES = Number(process.argv[2] ?? 200_000);
const writer = join(REPO, 'bench/lib/flood-server.js');
const SERVERS = ['flood-a', 'flood-b'];

/** Reads a child's stdout slowly and checks every flood line arrived once and whole. */
function slowReader(proc, nameOf) {
  const seen = new Map(SERVERS.map((s) => [s, new Uint8Array(LINES + 1)]));
  let split = 0;
  let duplicates = 0;
  let done = 0;
  let pending = '';
  let bytes = 0;
  let announced = 0;
  let finish;
  const finished = new Promise((resolve) => (finish = resolve));
  const stream = proc.child.stdout;
  stream.setEncoding('utf8');
  // A runner that splits lines may split a DONE line too: its output ending also ends the run.
  stream.on('end', () => finish());
  stream.on('data', (text) => {
    const lines = (pending + text).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const server = nameOf(line);
      const match = / line (\d+) (x+)$/.exec(line);
      if (match !== null && server !== undefined) {
        const n = Number(match[1]);
        if (match[2].length !== 64) split++;
        else if (seen.get(server)[n] === 1) duplicates++;
        else seen.get(server)[n] = 1;
      } else if (/line \d+|x{8}/.test(line)) {
        split++;
      } else if (new RegExp(`DONE ${LINES}$`).test(line)) {
        if (++done === SERVERS.length) finish();
      } else {
        announced += Number(/ (\d+) lines? not shown: /.exec(line)?.[1] ?? 0);
      }
    }
    bytes += text.length;
    if (bytes >= 64 * 1024) {
      bytes = 0;
      stream.pause();
      setTimeout(() => stream.resume(), 1);
    }
  });
  return {
    finished,
    finish: () => finish(),
    result: () => {
      let lost = 0;
      for (const flags of seen.values())
        for (let n = 1; n <= LINES; n++) if (flags[n] !== 1) lost++;
      return { lost, split, duplicates, announced };
    },
  };
}

/** Whether the newest events of the store include both DONE lines (the last thing each server writes). */
async function storeHasDone(dir) {
  const logs = join(dir, '.mcpx/logs');
  // The live segment: the highest number (the names are zero-padded, so they sort as numbers).
  const live = (await readdir(logs).catch(() => []))
    .filter((name) => /^\d+\.jsonl$/.test(name))
    .sort()
    .at(-1);
  if (live === undefined) return false;
  const file = await open(join(logs, live)).catch(() => undefined);
  if (file === undefined) return false;
  try {
    const { size } = await file.stat();
    const length = Math.min(size, 256 * 1024);
    const { buffer } = await file.read(Buffer.alloc(length), 0, length, size - length);
    const done = buffer.toString('utf8').match(new RegExp(`"msg":"DONE ${LINES}"`, 'g'));
    return (done?.length ?? 0) >= SERVERS.length;
  } finally {
    await file.close();
  }
}

async function storeCounts(dir) {
  const logs = join(dir, '.mcpx/logs');
  const counts = new Map(SERVERS.map((s) => [s, new Uint8Array(LINES + 1)]));
  let bad = 0;
  for (const file of await readdir(logs)) {
    for (const line of (await readFile(join(logs, file), 'utf8')).split('\n')) {
      if (line === '') continue;
      let event;
      try {
        event = JSON.parse(line);
      } catch {
        bad++;
        continue;
      }
      const m = /^line (\d+) x{64}$/.exec(event.msg);
      if (m !== null && counts.has(event.server)) counts.get(event.server)[Number(m[1])]++;
    }
  }
  let lost = 0;
  let duplicates = 0;
  for (const c of counts.values())
    for (let n = 1; n <= LINES; n++) {
      if (c[n] === 0) lost++;
      if (c[n] > 1) duplicates++;
    }
  return { lost, duplicates, torn: bad };
}

async function mcpxDev() {
  const entry = { command: 'node', args: [writer], env: { FLOOD_LINES: String(LINES) } };
  // Keep every rotated file, so the store check below sees all lines (the default keeps ~60 MB).
  const ws = await makeWorkspace(Object.fromEntries(SERVERS.map((s) => [s, entry])), [], {
    logs: { maxFiles: 100 },
  });
  const started = performance.now();
  const proc = run(process.execPath, [BIN, 'dev', '--no-watch'], { cwd: ws.dir, rawStdout: true });
  const reader = slowReader(proc, (line) => /^\S+ \| (\S+)\s+\|/.exec(line)?.[1]);
  // A DONE line may be among those a lagging terminal does not get: the store has it in any case.
  const poll = setInterval(
    () => void storeHasDone(ws.dir).then((done) => done && reader.finish()),
    250,
  );
  await reader.finished;
  clearInterval(poll);
  const ms = performance.now() - started;
  await proc.stop();
  const store = await storeCounts(ws.dir);
  await ws.remove();
  return { ms, ...reader.result(), store };
}

async function concurrently() {
  const started = performance.now();
  const proc = run(
    join(REPO, 'node_modules/.bin/concurrently'),
    ['--names', SERVERS.join(','), ...SERVERS.map(() => `${process.execPath} ${writer}`)],
    { env: { FLOOD_LINES: String(LINES), FLOOD_STANDALONE: '1' }, rawStdout: true },
  );
  const reader = slowReader(proc, (line) => /^\[(\S+)\]/.exec(line)?.[1]);
  await reader.finished;
  const ms = performance.now() - started;
  await proc.stop('SIGTERM');
  return { ms, ...reader.result() };
}

const mcpx = await mcpxDev();
const conc = await concurrently();
console.log(
  `log throughput: 2 servers x ${LINES} stderr lines, stdout read slowly, node ${process.version}`,
);
console.log(
  'runner          wall time    lost  announced  split  duplicated   in JSONL store: lost / duplicated / torn',
);
console.log(
  `mcpx dev        ${mcpx.ms.toFixed(0).padStart(7)} ms  ${String(mcpx.lost).padStart(6)}  ${String(mcpx.announced).padStart(9)}  ${String(mcpx.split).padStart(5)}  ${String(mcpx.duplicates).padStart(10)}   ${mcpx.store.lost} / ${mcpx.store.duplicates} / ${mcpx.store.torn}`,
);
console.log(
  `concurrently    ${conc.ms.toFixed(0).padStart(7)} ms  ${String(conc.lost).padStart(6)}  ${'-'.padStart(9)}  ${String(conc.split).padStart(5)}  ${String(conc.duplicates).padStart(10)}   (no store)`,
);
console.log(`mcpx dev / concurrently wall time: ${(mcpx.ms / conc.ms).toFixed(2)}x`);
