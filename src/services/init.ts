import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { McpxError } from '../errors.js';
import { editJsonText } from '../manifest/json-text.js';
import { MANIFEST_FILE } from '../manifest/schema.js';
import { fillPlaceholders } from '../scaffold/copy.js';
import { type McpxSpec, detectMcpxSpec, givenMcpxSpec } from '../scaffold/mcpx-spec.js';
import { runtimeFiles } from '../scaffold/runtime.js';
import { mcpxRoot, templatePaths } from '../scaffold/templates.js';

export interface InitOptions {
  /** Folder of the new workspace; created when missing. */
  dir: string;
  /** Allow a folder that already has files (never overwrites one). */
  force: boolean;
  /** npm name of the workspace package (default: from the folder name). */
  name?: string | undefined;
  /** The npm spec to record for mcpx (default: the one it was installed from). */
  mcpxSpec?: string | undefined;
  /** Also write a GitHub workflow that deploys the workspace to a kind cluster. */
  githubK8s?: boolean | undefined;
}

export interface InitResult {
  dir: string;
  name: string;
  files: string[];
  /** mcpx as the workspace's devDependency, so that `npm ci` in CI installs the same mcpx. */
  mcpx: McpxSpec;
}

/** Entries that do not make a folder "not empty": a fresh `git init` is a fine place for a workspace. */
const IGNORED_ENTRIES = new Set(['.git', '.DS_Store']);

/**
 * Creates a workspace: mcpx.json, an npm-workspaces package.json, a shared tsconfig, .gitignore,
 * a README, a GitHub Actions workflow that runs `mcpx smoke`, and packages/mcp-runtime, the
 * runtime every server of the workspace depends on.
 */
export async function initWorkspace(options: InitOptions): Promise<InitResult> {
  const dir = resolve(options.dir);
  const name = options.name ?? packageNameFrom(basename(dir));
  if (!/^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/.test(name)) {
    throw new McpxError(`"${name}" is not a valid npm package name for the workspace.`, {
      hint: 'pass --name with lowercase letters, digits and "-", e.g. --name my-servers',
    });
  }
  const kind = await stat(dir).then(
    (s) => (s.isDirectory() ? 'folder' : 'file'),
    () => 'missing',
  );
  if (kind === 'file') {
    throw new McpxError(`${dir} is a file, not a folder; mcpx init makes a workspace folder.`, {
      hint: 'pass a folder name that does not exist yet, e.g. `mcpx init my-servers`',
    });
  }
  const existing = await readdir(dir).catch(() => [] as string[]);
  const visible = existing.filter((entry) => !IGNORED_ENTRIES.has(entry));
  if (visible.length > 0 && !options.force) {
    throw new McpxError(`${dir} is not empty (${preview(visible)}).`, {
      hint: 'choose an empty or new folder, or pass --force to add a workspace beside those files',
    });
  }

  const mcpx =
    options.mcpxSpec === undefined
      ? await detectMcpxSpec(mcpxRoot(), await mcpxVersion(), dir)
      : givenMcpxSpec(options.mcpxSpec);
  const files = await renderWorkspace(dir, name, mcpx.spec, options.githubK8s ?? false);
  const clashes: string[] = [];
  for (const file of Object.keys(files)) {
    if (
      await stat(join(dir, file)).then(
        () => true,
        () => false,
      )
    )
      clashes.push(file);
  }
  if (clashes.length > 0) {
    throw new McpxError(`${dir} already has ${clashes.join(', ')}; mcpx init never overwrites.`, {
      hint: 'move those files away, or run `mcpx new server` if this is a workspace already',
    });
  }

  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  const folders: string[] = [];
  try {
    for (const [file, content] of Object.entries(files)) {
      const made = await mkdir(dirname(join(dir, file)), { recursive: true });
      if (made !== undefined) folders.push(made);
      await writeFile(join(dir, file), content, { flag: 'wx' });
      written.push(file);
    }
  } catch (error) {
    await Promise.all(written.map((file) => rm(join(dir, file), { force: true })));
    // The folders this run made (each the top of a new branch), now empty of its files.
    await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
    throw new McpxError(`Could not write the workspace files in ${dir}: ${String(error)}`, {
      hint: 'check that the folder is writable; nothing was left behind',
      cause: error,
    });
  }
  return { dir, name, files: written.sort(), mcpx };
}

async function mcpxVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(mcpxRoot(), 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/**
 * The workspace files by relative path, rendered from templates/workspace. `$schema` stays at
 * ./node_modules/mcpx/schema/, where the devDependency puts it on every machine.
 */
async function renderWorkspace(
  dir: string,
  name: string,
  mcpxSpec: string,
  githubK8s: boolean,
): Promise<Record<string, string>> {
  const read = (file: string): Promise<string> =>
    readFile(join(templatePaths.workspace(), file), 'utf8');
  const pkgText = await read('package.json');
  const { devDependencies = {} } = JSON.parse(pkgText) as {
    devDependencies?: Record<string, string>;
  };
  // Sorted, as npm keeps them when it edits the file later.
  const withMcpx = Object.fromEntries(
    Object.entries({ ...devDependencies, mcpx: mcpxSpec }).sort(([a], [b]) => a.localeCompare(b)),
  );
  return {
    [MANIFEST_FILE]: await read(MANIFEST_FILE),
    'package.json': editJsonText(pkgText, [
      { path: ['name'], value: name },
      { path: ['devDependencies'], value: withMcpx },
    ]),
    'tsconfig.base.json': await readFile(templatePaths.tsconfigBase(), 'utf8'),
    '.gitignore': await read('_gitignore'),
    '.github/workflows/mcpx-smoke.yml': await read('_github/workflows/mcpx-smoke.yml'),
    ...(githubK8s
      ? { '.github/workflows/mcpx-k8s.yml': await read('_github/workflows/mcpx-k8s.yml') }
      : {}),
    'README.md': fillPlaceholders(await read('README.md'), { name }),
    ...(await runtimeFiles()),
  };
}

/** A folder name as an npm package name: lowercase, runs of other characters become "-". */
export function packageNameFrom(folder: string): string {
  const name = folder
    .toLowerCase()
    .replace(/[^a-z0-9-._~]+/g, '-')
    .replace(/^[-._]+|[-._]+$/g, '');
  return name.length > 0 ? name : 'mcp-workspace';
}

function preview(entries: string[]): string {
  const shown = entries.slice(0, 3).join(', ');
  return entries.length > 3 ? `${shown} and ${entries.length - 3} more` : shown;
}
