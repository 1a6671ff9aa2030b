// Writes the example workspace with the built CLI, exactly as a user would make it:
//   npm run build && node scripts/examples.js [dir]     (default: examples, which must not exist)
// test/e2e/examples.test.ts runs it into a temp folder and compares with the committed examples/,
// so examples/ cannot drift from what `mcpx init` and `mcpx new server` produce.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

/** The servers of the example: every built-in role, both transports. */
export const EXAMPLE_SERVERS = [
  [
    'text-kit',
    'tools',
    'stdio',
    'Text and number utilities: word counts, hashes, unit conversion.',
  ],
  ['docs', 'resources', 'http', 'Project documentation served as MCP resources.'],
  ['writing', 'prompts', 'stdio', 'Prompt templates for summaries and code reviews.'],
];

const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url));

export function writeExamples(dir) {
  const run = (args) =>
    execFileSync(process.execPath, [bin, ...args], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, CI: 'true' },
    });
  run(['init', dir, '--name', 'examples']);
  for (const [name, role, transport, description] of EXAMPLE_SERVERS) {
    run([
      'new',
      'server',
      name,
      '--role',
      role,
      '--transport',
      transport,
      '--description',
      description,
      '--no-install',
      '--dir',
      dir,
    ]);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeExamples(resolve(process.argv[2] ?? 'examples'));
}
