// Start-up of the CLI against the floor of starting Node at all, measured in one run:
//   node bench/startup.js [runs]
// Prints the median wall time of each command and its ratio to `node -e 0`. Target: < 2.5x for
// --version and --help. `mcpx list` is there to show what a real command costs on top: it loads its
// command module, reads and validates examples/mcpx.json and prints a table.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const runs = Number(process.argv[2] ?? 21);
const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url));
const examples = fileURLToPath(new URL('../examples', import.meta.url));
const cases = [
  ['node -e 0', ['-e', '0']],
  ['mcpx --version', [bin, '--version']],
  ['mcpx --help', [bin, '--help']],
  ['mcpx list', [bin, 'list', '--dir', examples]],
];

function time(args) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0)
    throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return ms;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

// One warm-up each (fills the compile cache and the OS file cache), then interleaved runs so that
// machine noise falls on every case alike.
for (const [, args] of cases) time(args);
const samples = new Map(cases.map(([name]) => [name, []]));
for (let i = 0; i < runs; i++) {
  for (const [name, args] of cases) samples.get(name).push(time(args));
}

const floor = median(samples.get('node -e 0'));
console.log(`node ${process.version}, ${runs} runs each, median wall time`);
console.log('command           median    ratio to node -e 0');
for (const [name] of cases) {
  const m = median(samples.get(name));
  console.log(`${name.padEnd(16)}  ${m.toFixed(1).padStart(6)} ms  ${(m / floor).toFixed(2)}x`);
}
