#!/usr/bin/env node
// Development entry: runs the TypeScript in src/ directly, with no build step and verbose errors.
// oclif's development mode loads src/ through tsx (mapped from dist/ by tsconfig's outDir/rootDir);
// the built oclif.manifest.json is ignored because it points at dist/. Uses oclif from node_modules,
// the copy that src/ imports.
import { execute } from '@oclif/core';
import { fileURLToPath } from 'node:url';

// As in bin/run.js: a reader that stops early closes the pipe; end quietly.
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

await execute({
  development: true,
  dir: import.meta.url,
  loadOptions: { root: fileURLToPath(new URL('..', import.meta.url)), ignoreManifest: true },
});
