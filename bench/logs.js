// Log throughput: two servers each write 200,000 stderr lines as fast as they can. mcpx dev takes
// them into its JSONL store and onto stdout; then the same writers under `concurrently`. Each round
// runs both, the one going first alternating, with two readers of their stdout: a fast one (`cat`
// into a file, read as it grows: the target, <= 1.5x concurrently) and a slow one (this process, a
// 1 ms pause per 64 KiB chunk, like a terminal that cannot keep up).
//   npm run build && node bench/logs.js [lines per server] [rounds] [fast|slow|both]
// With BENCH_CPU_PROF=<dir>, each mcpx dev writes a V8 CPU profile there (node --cpu-prof).
// Prints, for each reader and runner: wall time until both DONE lines arrived and the runner's own
// CPU time (min / median / max over the rounds), lines lost, split and duplicated (worst round), and
// the ratio of wall times per round. mcpx's store must have every line (0 lost, duplicated or torn);
// its stdout leaves out what a reader more than 4 MiB behind cannot take, and must announce every
// line it left out ("N lines not shown"): lost on stdout = announced.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, open, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { BIN, REPO, freePort, makeWorkspace, median, run, sleep } from './lib/workspace.js';

const LINES = Number(process.argv[2] ?? 200_000);
const ROUNDS = Number(process.argv[3] ?? 5);
const READERS = (process.argv[4] ?? 'both') === 'both' ? ['fast', 'slow'] : [process.argv[4]];
const writer = join(REPO, 'bench/lib/flood-server.js');
const SERVERS = ['flood-a', 'flood-b'];

/**
 * The fast reader: the runner's stdout is a pipe to `cat`, which writes it to `file`; the file is
 * read as it grows (every 5 ms). So the reader never holds the runner up, even on busy cores,
 * and the pipe is still a pipe, as a terminal's is. Returns the runner's stdout and the stream of
 * what cat wrote (ending after cat has).
 */
function fastReader(file) {
  const fd = openSync(file, 'w');
  const cat = spawn('cat', [], { stdio: ['pipe', fd, 'ignore'] });
  closeSync(fd);
  const output = new PassThrough();
  let catExited = false;
  cat.once('exit', () => (catExited = true));
  void (async () => {
    const handle = await open(file, 'r');
    const buffer = Buffer.alloc(1 << 20);
    for (let offset = 0; ;) {
      const ended = catExited;
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      if (bytesRead > 0) {
        offset += bytesRead;
        output.write(Buffer.from(buffer.subarray(0, bytesRead)));
      } else if (ended) {
        break;
      } else {
        await sleep(5);
      }
    }
    await handle.close();
    output.end();
  })();
  return {
    stdout: cat.stdin,
    output,
    /** After the runner has been started with `stdout`: only it holds the pipe now. */
    handedOver: () => cat.stdin.destroy(),
    ended: once(output, 'end'),
  };
}

/** Reads a runner's stdout (slowly or not) and checks every flood line arrived once and whole. */
function reader(stream, nameOf, slow) {
  const seen = new Map(SERVERS.map((s) => [s, new Uint8Array(LINES + 1)]));
  let split = 0;
  let duplicates = 0;
  let done = 0;
  let pending = '';
  let bytes = 0;
  let announced = 0;
  let firstLine;
  let finish;
  const finished = new Promise((resolve) => (finish = resolve));
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
        firstLine ??= performance.now();
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
    if (slow && bytes >= 64 * 1024) {
      bytes = 0;
      stream.pause();
      setTimeout(() => stream.resume(), 1);
    }
  });
  return {
    finished,
    finish: () => finish(),
    /** When the first flood line arrived: the runner's and the writers' start-up are over. */
    firstLine: () => firstLine,
    result: () => {
      let lost = 0;
      for (const flags of seen.values())
        for (let n = 1; n <= LINES; n++) if (flags[n] !== 1) lost++;
      return { lost, split, duplicates, announced };
    },
  };
}

/**
 * Counts the DONE lines (the last thing each server writes) in the store as it grows: each call
 * reads what every segment gained since the last, up to its last whole line. A server that
 * finished early has its DONE in a segment rotated since, or far before the end of the live one.
 */
function storeDoneCounter(dir) {
  const logs = join(dir, '.mcpx/logs');
  const needle = Buffer.from(`"msg":"DONE ${LINES}"`);
  const offsets = new Map();
  let done = 0;
  return async () => {
    const names = (await readdir(logs).catch(() => [])).filter((n) => /^\d+\.jsonl$/.test(n));
    for (const name of names.sort()) {
      const file = await open(join(logs, name)).catch(() => undefined);
      if (file === undefined) continue;
      try {
        const from = offsets.get(name) ?? 0;
        const { size } = await file.stat();
        if (size <= from) continue;
        const { buffer } = await file.read(Buffer.alloc(size - from), 0, size - from, from);
        const end = buffer.lastIndexOf(0x0a) + 1;
        for (
          let at = buffer.indexOf(needle);
          at !== -1 && at < end;
          at = buffer.indexOf(needle, at + 1)
        )
          done++;
        offsets.set(name, from + end);
      } finally {
        await file.close();
      }
    }
    return done;
  };
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

/** CPU time (user + system) the process has used so far, in ms (Linux; clock ticks of 10 ms). */
async function cpuMs(pid) {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return NaN;
  // After the command name, which is in parentheses and may hold spaces: utime, stime are 12, 13.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * The runner's CPU time, read every 20 ms and once more at the end: concurrently exits by itself
 * after its children, and then its last reading is what there is.
 */
function cpuOf(pid) {
  let last = 0;
  const read = () => cpuMs(pid).then((ms) => (Number.isNaN(ms) ? last : (last = ms)));
  const timer = setInterval(() => void read(), 20);
  return async () => {
    clearInterval(timer);
    return read();
  };
}

async function mcpxDev(slow) {
  const entry = { command: 'node', args: [writer], env: { FLOOD_LINES: String(LINES) } };
  // Keep every rotated file, so the store check below sees all lines (the default keeps ~60 MB).
  const ws = await makeWorkspace(Object.fromEntries(SERVERS.map((s) => [s, entry])), [], {
    logs: { maxFiles: 100 },
  });
  const started = performance.now();
  const profile = process.env.BENCH_CPU_PROF;
  const node = profile === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', profile];
  const fast = slow ? undefined : fastReader(join(ws.dir, 'stdout.txt'));
  // A port of its own for the gateway: another mcpx dev on this machine may hold the default.
  const port = String(await freePort());
  const proc = run(process.execPath, [...node, BIN, 'dev', '--no-watch', '--gateway-port', port], {
    cwd: ws.dir,
    rawStdout: true,
    stdout: fast?.stdout,
  });
  fast?.handedOver();
  const cpu = cpuOf(proc.child.pid);
  const read = reader(
    fast?.output ?? proc.child.stdout,
    (line) => /^\S+ \| (\S+)\s+\|/.exec(line)?.[1],
    slow,
  );
  // A DONE line may be among those a lagging terminal does not get: the store has it in any case.
  const storeDone = storeDoneCounter(ws.dir);
  let polling = false;
  const poll = setInterval(() => {
    if (polling) return;
    polling = true;
    void storeDone().then((done) => {
      polling = false;
      if (done >= SERVERS.length) read.finish();
    });
  }, 250);
  // mcpx dev only ends when stopped: ending by itself (a busy gateway port, say) is a failed run.
  let exitedEarly = false;
  void proc.exited.then(() => {
    exitedEarly = true;
    read.finish();
  });
  await read.finished;
  clearInterval(poll);
  if (exitedEarly) throw new Error('mcpx dev exited before both DONE lines');
  const ended = performance.now();
  const ms = ended - started;
  const flood = ended - (read.firstLine() ?? started);
  const cpuTime = await cpu();
  await proc.stop();
  await fast?.ended;
  const store = await storeCounts(ws.dir);
  await ws.remove();
  return { ms, flood, cpu: cpuTime, ...read.result(), store };
}

async function concurrently(slow) {
  const dir = await mkdtemp(join(tmpdir(), 'mcpx-bench-'));
  const fast = slow ? undefined : fastReader(join(dir, 'stdout.txt'));
  const started = performance.now();
  const proc = run(
    join(REPO, 'node_modules/.bin/concurrently'),
    ['--names', SERVERS.join(','), ...SERVERS.map(() => `${process.execPath} ${writer}`)],
    {
      env: { FLOOD_LINES: String(LINES), FLOOD_STANDALONE: '1' },
      rawStdout: true,
      stdout: fast?.stdout,
    },
  );
  fast?.handedOver();
  const cpu = cpuOf(proc.child.pid);
  const read = reader(
    fast?.output ?? proc.child.stdout,
    (line) => /^\[(\S+)\]/.exec(line)?.[1],
    slow,
  );
  await read.finished;
  const ended = performance.now();
  const ms = ended - started;
  const flood = ended - (read.firstLine() ?? started);
  const cpuTime = await cpu();
  await proc.stop('SIGTERM');
  await fast?.ended;
  await rm(dir, { recursive: true, force: true });
  return { ms, flood, cpu: cpuTime, ...read.result() };
}

const results = new Map(READERS.map((r) => [r, { mcpx: [], conc: [] }]));
for (let round = 0; round < ROUNDS; round++) {
  for (const name of READERS) {
    const slow = name === 'slow';
    const { mcpx, conc } = results.get(name);
    // Each goes first in turn, so that a busier moment of the machine falls on both alike.
    if (round % 2 === 0) {
      mcpx.push(await mcpxDev(slow));
      conc.push(await concurrently(slow));
    } else {
      conc.push(await concurrently(slow));
      mcpx.push(await mcpxDev(slow));
    }
  }
}

const spread = (values, digits = 0) =>
  `${Math.min(...values).toFixed(digits)} / ${median(values).toFixed(digits)} / ${Math.max(...values).toFixed(digits)}`;
const worst = (runs, key) => Math.max(...runs.map((r) => r[key]));
const cell = (text, width) => String(text).padStart(width);

console.log(
  `log throughput: 2 servers x ${LINES} stderr lines, ${ROUNDS} rounds interleaved, node ${process.version}`,
);
console.log(
  'wall: start to both DONE lines; flood: first line to both DONE lines; CPU: the runner process',
);
console.log('(times: min / median / max ms; lost, announced, split, duplicated: worst round)');
console.log(
  `reader  runner          ${'wall time'.padEnd(21)}  ${'flood'.padEnd(21)}  ${'runner CPU'.padEnd(21)}    lost  announced  split  duplicated  JSONL store lost / duplicated / torn`,
);
for (const [name, { mcpx, conc }] of results) {
  const store = ['lost', 'duplicates', 'torn'].map((k) => Math.max(...mcpx.map((r) => r.store[k])));
  for (const [runner, runs] of [
    ['mcpx dev', mcpx],
    ['concurrently', conc],
  ]) {
    const times = ['ms', 'flood', 'cpu'].map((k) => spread(runs.map((r) => r[k])).padEnd(21));
    console.log(
      `${name.padEnd(6)}  ${runner.padEnd(14)}  ${times.join('  ')}  ${cell(worst(runs, 'lost'), 6)}  ${cell(runner === 'mcpx dev' ? worst(runs, 'announced') : '-', 9)}  ${cell(worst(runs, 'split'), 5)}  ${cell(worst(runs, 'duplicates'), 10)}  ${runner === 'mcpx dev' ? store.join(' / ') : '(no store)'}`,
    );
  }
  for (const [what, key] of [
    ['wall time', 'ms'],
    ['flood', 'flood'],
    ['CPU', 'cpu'],
  ]) {
    const ratios = mcpx.map((r, i) => r[key] / conc[i][key]);
    console.log(
      `${name.padEnd(6)}  mcpx dev / concurrently, ${what}, per round: ${spread(ratios, 2)}x`,
    );
  }
}
