#!/usr/bin/env node
// Development entry: runs the TypeScript in src/ directly, with no build step and verbose errors.
// oclif's development mode loads src/ through tsx (mapped from dist/ by tsconfig's outDir/rootDir);
// the built oclif.manifest.json is ignored because it points at dist/. Uses oclif from node_modules,
// the copy that src/ imports.
import { execute } from '@oclif/core';
import { fileURLToPath } from 'node:url';
import './stdout-closed.js';

await execute({
  development: true,
  dir: import.meta.url,
  loadOptions: { root: fileURLToPath(new URL('..', import.meta.url)), ignoreManifest: true },
});
