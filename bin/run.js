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
// A reader that stops early (`mcpx logs | head`) closes the pipe: end quietly, as Unix tools do.
// A command that handles it itself has its own listener: mcpx dev stops its servers first.
process.stdout.on('error', (error) => {
  const handled = process.stdout.listenerCount('error') > 1;
  if (error.code !== 'EPIPE') {
    if (handled) return;
    throw error;
  }
  // Nobody reads any more: later writes (oclif's final flush among them) are dropped, not waited on.
  process.stdout.write = (_chunk, encoding, callback) => {
    (typeof encoding === 'function' ? encoding : callback)?.();
    return true;
  };
  if (!handled) process.exit(0);
});
// dist/ is one bundle of oclif and the commands (scripts/build.js).
const { execute, settings } = await import('../dist/cli/runtime.js');
// Always the built commands. Under NODE_ENV=development or test oclif would otherwise load src/
// through tsx, with a second copy of oclif; running from source is bin/dev.js's job.
settings.enableAutoTranspile = false;
await execute({ dir: import.meta.url });
