#!/usr/bin/env node
import module from 'node:module';

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
const { execute } = await import('@oclif/core/execute');
await execute({ dir: import.meta.url });
