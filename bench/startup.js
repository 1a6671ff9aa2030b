// Start-up of the CLI against the floor of starting Node at all, measured in one run:
//   node bench/startup.js [runs] [--before path/to/old/bin/run.js]
// Prints the min / median / max wall time of each command and the median's ratio to `node -e 0`,
// and the median CPU time (user + system, what a busy machine's wall time hides) with its ratio.
// Targets: < 2.5x for --version and --help, <= 2.0x for list, status and logs. `mcpx list` reads and
// validates examples/mcpx.json and prints a table; `mcpx status` asks for a cluster where none runs
// (exit 4, the common case it must answer quickly); `mcpx logs` prints the last 50 of 200 events
// of a temp workspace.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { before: { type: 'string' } },
});
const runs = Number(positionals[0] ?? 21);
const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url));
const examples = fileURLToPath(new URL('../examples', import.meta.url));
const ws = mkdtempSync(join(tmpdir(), 'mcpx-startup-'));
cpSync(join(examples, 'mcpx.json'), join(ws, 'mcpx.json'));
mkdirSync(join(ws, '.mcpx', 'logs'), { recursive: true });
const start = Date.parse('2026-11-01T12:00:00Z');
const events = Array.from({ length: 200 }, (_, i) =>
  JSON.stringify({
    time: new Date(start + i).toISOString(),
    server: 'docs',
    replica: 0,
    stream: 'stderr',
    level: 'info',
    msg: `event ${i}`,
  }),
);
writeFileSync(join(ws, '.mcpx', 'logs', '000001.jsonl'), `${events.join('\n')}\n`);
process.on('exit', () => rmSync(ws, { recursive: true, force: true }));

/** [name, args, expected exit code] */
const before = values.before;
const cases = [
  ['node -e 0', ['-e', '0'], 0],
  ['mcpx --version', [bin, '--version'], 0],
  ['mcpx --help', [bin, '--help'], 0],
  ['mcpx list', [bin, 'list', '--dir', examples], 0],
  ['mcpx status', [bin, 'status', '--dir', ws], 4],
  ['mcpx logs', [bin, 'logs', '--dir', ws], 0],
  // The same commands of an older build, in the same interleaved runs.
  ...(before === undefined
    ? []
    : [
        ['before: list', [before, 'list', '--dir', examples], 0],
        ['before: status', [before, 'status', '--dir', ws], 4],
        ['before: logs', [before, 'logs', '--dir', ws], 0],
      ]),
];

/** CPU seconds (user + system) of this process's children that have been waited for. */
function childrenCpu() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

/** Wall time and CPU time (user + system, 10 ms ticks) of one run, in ms. */
function time(args, expected) {
  const cpu = childrenCpu();
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== expected)
    throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return { ms, cpu: (childrenCpu() - cpu) * 1000 };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

// One warm-up each (fills the compile cache and the OS file cache), then interleaved runs so that
// machine noise falls on every case alike.
for (const [, args, expected] of cases) time(args, expected);
const samples = new Map(cases.map(([name]) => [name, []]));
for (let i = 0; i < runs; i++) {
  for (const [name, args, expected] of cases) samples.get(name).push(time(args, expected));
}

const floor = median(samples.get('node -e 0').map((t) => t.ms));
const cpuFloor = median(samples.get('node -e 0').map((t) => t.cpu));
console.log(`node ${process.version}, ${runs} interleaved runs each`);
console.log(
  'command           wall min / median / max     vs node -e 0   CPU median   vs node -e 0',
);
for (const [name] of cases) {
  const wall = samples.get(name).map((t) => t.ms);
  const cpu = median(samples.get(name).map((t) => t.cpu));
  const spread = [Math.min(...wall), median(wall), Math.max(...wall)]
    .map((v) => v.toFixed(1))
    .join(' / ');
  console.log(
    `${name.padEnd(16)}  ${`${spread} ms`.padEnd(26)}  ${`${(median(wall) / floor).toFixed(2)}x`.padEnd(13)}  ${`${cpu.toFixed(0)} ms`.padEnd(11)}  ${(cpu / cpuFloor).toFixed(2)}x`,
  );
}
