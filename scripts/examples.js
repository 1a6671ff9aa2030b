// Writes the example workspace with the built CLI, exactly as a user would make it (and its smoke
// cases, mcpx.smoke.json, and the surface snapshot `mcpx smoke --update` records):
//   npm run build && node scripts/examples.js [dir]     (default: examples, which must not exist)
// test/e2e/examples.test.ts runs it into a temp folder and compares with the committed examples/,
// so examples/ cannot drift from what `mcpx init` and `mcpx new server` produce.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';

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

/** The example calls `mcpx smoke` makes (mcpx.smoke.json): one or more per server. */
export const EXAMPLE_CASES = {
  'text-kit': {
    cases: [
      {
        name: 'count three words',
        tool: 'count_words',
        arguments: { text: 'one two three' },
        expect: { structured: { words: 3, lines: 1 } },
      },
      {
        name: 'sha256 of abc',
        tool: 'hash_text',
        arguments: { text: 'abc', algorithm: 'sha256' },
        expect: { text: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' },
      },
      { name: 'text is required', tool: 'count_words', arguments: {}, expect: { error: true } },
    ],
  },
  docs: {
    cases: [
      { resource: 'docs://index', expect: { text: 'glossary' } },
      { resource: 'docs://glossary', expect: { matches: '^# ' } },
    ],
  },
  writing: {
    cases: [
      {
        prompt: 'summarize',
        arguments: { text: 'MCP servers split work by role.' },
        expect: { text: 'MCP servers split work by role.' },
      },
    ],
  },
};

const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url));

export function writeExamples(dir) {
  const run = (args) =>
    execFileSync(process.execPath, [bin, ...args], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, CI: 'true' },
    });
  // examples/ sits in the mcpx repository, so its mcpx is the repository itself, one folder up.
  run(['init', dir, '--name', 'examples', '--mcpx-spec', 'file:..']);
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
  writeFileSync(join(dir, 'mcpx.smoke.json'), `${JSON.stringify(EXAMPLE_CASES, null, 2)}\n`);
  // The surface snapshot, as a developer records it before committing.
  run(['smoke', '--update', '--dir', dir]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeExamples(resolve(process.argv[2] ?? 'examples'));
}
