#!/usr/bin/env node
import module from 'node:module';
// A reader that stops early (`mcpx list | head -1`) must not break the command: see the file.
import './stdout-closed.js';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(`mcpx needs Node.js 22.18 or newer; this is ${process.version}.`);
  console.error(
    'Try: install a current Node.js (https://nodejs.org), or run mcpx through npx/npm scripts in this repo, which pin Node 24.',
  );
  process.exit(2);
}
// Compile cache: later starts reuse V8's compiled code for oclif and mcpx (see bench/startup).
module.enableCompileCache?.();
// dist/ is one bundle of oclif and the commands (scripts/build.js).
const { execute, settings } = await import('../dist/cli/runtime.js');
// Always the built commands. Under NODE_ENV=development or test oclif would otherwise load src/
// through tsx, with a second copy of oclif; running from source is bin/dev.js's job.
settings.enableAutoTranspile = false;
await execute({ dir: import.meta.url });
