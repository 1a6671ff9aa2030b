// The oclif runtime as bin/run.js starts it (execute, settings) and scripts/build.js writes the
// manifest with (Plugin). It is bundled together with every command, so that bin/run.js and the
// commands share one copy of oclif. Imported by subpath: oclif's index would load every part of
// oclif before any command needs it.
export { execute } from '@oclif/core/execute';
export { Plugin } from '@oclif/core/config';
export { settings } from '@oclif/core/settings';
