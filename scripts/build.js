// Builds mcpx into dist/: one esbuild bundle of oclif and every command, split into chunks so that a
// command loads only what it imports. Then writes the JSON Schema of mcpx.json from its zod source,
// and the oclif manifest, so that `mcpx --help` and `--version` load no command module.
//
// Why a bundle: oclif's runtime is about 290 CommonJS files, and zod, the SDK and the rest add
// hundreds more; resolving and reading them was most of mcpx's start-up (see bench/startup.js and
// the README). In one bundle the commands and bin/run.js also share the same copy of oclif, so its
// error classes and settings are one. Each command still loads only the chunks it imports, and
// the heavy ones (the SDK, inquirer, listr2, chokidar) only inside run(). Types are checked by
// `npm run typecheck` (part of `npm test`), not here.
import * as esbuild from 'esbuild';
import { globSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const entries = [
  // What bin/run.js starts: oclif's execute() and settings.
  'src/cli/runtime.ts',
  // Every command, at the path the oclif manifest names (oclif.commands is ./dist/commands).
  ...globSync('src/commands/**/*.ts', { cwd: root }),
  // oclif.hooks in package.json.
  'src/cli/hooks/command-not-found.ts',
  // Read by this script to write the JSON Schema.
  'src/manifest/schema.ts',
  // Run by Node as files of their own: a standby, and the hook that learns what it imports.
  'src/standby/runner.ts',
  'src/standby/learn.ts',
  // Imported by the benchmarks.
  'src/logs/store.ts',
  'src/supervisor/ports.ts',
];

/**
 * Three edits to oclif's own code on its way into the bundle. Each one keeps oclif's behaviour for mcpx
 * and is checked: if oclif's source changes so that an edit no longer applies, the build fails here
 * rather than quietly losing it.
 */
const oclifEdits = [
  {
    file: '@oclif/core/lib/config/plugin.js',
    why:
      'sorts command ids with localeCompare, whose first call loads ICU collation data (about 4 ms ' +
      'of every start); command ids are ASCII, so code-unit order is the same order',
    from: '.sort((a, b) => a.id.localeCompare(b.id));',
    to: '.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));',
  },
  {
    file: '@oclif/core/lib/help/util.js',
    why:
      'renders every help string through ejs, which compiles a new function per string; a string ' +
      'without "<%" renders to itself, so skip ejs for those',
    from: 'return ejs_1.default.render(t, context);',
    to: 'return t.includes("<%") ? ejs_1.default.render(t, context) : t;',
  },
  {
    file: '@oclif/core/lib/util/os.js',
    why:
      'imports all of wsl-utils (PowerShell helpers, child_process) on every start only to read its ' +
      'isWsl, which wsl-utils re-exports from is-wsl; import is-wsl itself (about 4 ms)',
    from: "return (await import('wsl-utils')).isWsl ? 'wsl' : (0, node_os_1.platform)();",
    to: "return (await import('is-wsl')).default ? 'wsl' : (0, node_os_1.platform)();",
  },
];

const editOclif = {
  name: 'edit-oclif',
  setup(build) {
    for (const edit of oclifEdits) {
      const filter = new RegExp(`node_modules/${edit.file.replaceAll('.', '\\.')}$`);
      build.onLoad({ filter }, ({ path }) => {
        const source = readFileSync(path, 'utf8');
        const count = source.split(edit.from).length - 1;
        if (count !== 1) {
          throw new Error(
            `${edit.file}: expected the text to edit once, found it ${count} times. oclif has ` +
              `changed; check whether this edit is still needed (it ${edit.why}) and update ` +
              'scripts/build.js.',
          );
        }
        edit.applied = true;
        return { contents: source.replace(edit.from, edit.to), loader: 'js' };
      });
    }
  },
};

rmSync(join(root, 'dist'), { recursive: true, force: true });
rmSync(join(root, 'oclif.manifest.json'), { force: true });

const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: entries.map((file) => ({
    in: file,
    out: relative('src', file).replace(/\.ts$/, ''),
  })),
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  sourcemap: true,
  // Everything is bundled but what oclif's development mode would load (bin/run.js turns it off).
  external: ['typescript', 'ts-node', 'tsx'],
  // oclif is CommonJS and calls require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __mcpxCreateRequire } from 'node:module';\nconst require = __mcpxCreateRequire(import.meta.url);",
  },
  // jsonc-parser's main build is UMD, whose require() calls esbuild cannot follow; use its ESM build.
  // punycode: Ajv's draft-2019 formats (kubernetes-models' validation) ask for the npm package by
  // the name of Node's deprecated built-in, which prints a DeprecationWarning on every k8s render.
  alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js', punycode: 'punycode/punycode.js' },
  plugins: [editOclif],
  logLevel: 'warning',
  metafile: true,
});
const missed = oclifEdits.filter((edit) => !edit.applied);
if (missed.length > 0) {
  throw new Error(
    `oclif edits not applied (file not in the bundle?): ${missed.map((e) => e.file).join(', ')}`,
  );
}

const { z } = await import('zod');
const { ManifestSchema } = await import(join(root, 'dist/manifest/schema.js'));
const schema = {
  ...z.toJSONSchema(ManifestSchema, { target: 'draft-7', io: 'input', unrepresentable: 'any' }),
  title: 'mcpx.json',
};
mkdirSync(join(root, 'schema'), { recursive: true });
writeFileSync(join(root, 'schema/mcpx.schema.json'), `${JSON.stringify(schema, null, 2)}\n`);

const { Plugin, settings } = await import(join(root, 'dist/cli/runtime.js'));
// Read the built commands even when NODE_ENV is development or test.
settings.enableAutoTranspile = false;
const plugin = new Plugin({
  root,
  type: 'core',
  ignoreManifest: true,
  errorOnManifestCreate: true,
});
await plugin.load();
writeFileSync(join(root, 'oclif.manifest.json'), `${JSON.stringify(plugin.manifest, null, 2)}\n`);

const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
console.error(
  `built dist/ (${Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js')).length} files, ` +
    `${(bytes / 1024).toFixed(0)} KiB with source maps), schema/mcpx.schema.json, oclif.manifest.json ` +
    `(${Object.keys(plugin.manifest.commands).length} commands)`,
);
