// Builds mcpx: compiles src/ to dist/, writes the JSON Schema of mcpx.json from its zod source, and
// writes the oclif manifest so that `mcpx --help` and `--version` load no command modules.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

rmSync(join(root, 'dist'), { recursive: true, force: true });
rmSync(join(root, 'oclif.manifest.json'), { force: true });
execFileSync(
  process.execPath,
  [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')],
  {
    stdio: 'inherit',
  },
);

const { z } = await import('zod');
const { ManifestSchema } = await import(join(root, 'dist/manifest/schema.js'));
const schema = {
  ...z.toJSONSchema(ManifestSchema, { target: 'draft-7', io: 'input', unrepresentable: 'any' }),
  title: 'mcpx.json',
};
mkdirSync(join(root, 'schema'), { recursive: true });
writeFileSync(join(root, 'schema/mcpx.schema.json'), `${JSON.stringify(schema, null, 2)}\n`);

const { Plugin } = await import('@oclif/core');
const plugin = new Plugin({
  root,
  type: 'core',
  ignoreManifest: true,
  errorOnManifestCreate: true,
});
await plugin.load();
writeFileSync(join(root, 'oclif.manifest.json'), `${JSON.stringify(plugin.manifest, null, 2)}\n`);
console.error(
  `built dist/, schema/mcpx.schema.json, oclif.manifest.json (${Object.keys(plugin.manifest.commands).length} commands)`,
);
