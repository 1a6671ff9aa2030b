import { existsSync, readFileSync } from 'node:fs';
import { join, matchesGlob, relative, sep } from 'node:path';
import { McpxError } from '../errors.js';

/** What the image of a workspace server needs from the npm workspace around it. */
export interface WorkspacePackage {
  /** The server's folder relative to the workspace root, with `/`: what `npm ci -w` takes. */
  dir: string;
  /**
   * Folders of the workspace's own packages the server depends on (linked, not downloaded, by
   * `npm ci`), relative to the root: the image copies them where the links in node_modules point.
   */
  localDeps: string[];
}

interface LockEntry {
  link?: boolean;
  resolved?: string;
  dependencies?: Record<string, string>;
}

/**
 * The npm workspace package at `cwd`, or undefined when `cwd` is not one (the workspace root, a
 * folder outside it, a folder without package.json): such a server's command is not built from
 * the workspace. A package that is one but cannot be installed by `npm ci` (no lock file, not
 * listed in "workspaces") is the user's to fix, before anything is written.
 */
export function workspacePackage(
  root: string,
  cwd: string,
  server: string,
): WorkspacePackage | undefined {
  const dir = relative(root, cwd).split(sep).join('/');
  if (dir === '' || dir.startsWith('..') || !existsSync(join(cwd, 'package.json')))
    return undefined;
  const rootPackage = readJson(join(root, 'package.json')) as
    { workspaces?: string[] | { packages?: string[] } } | undefined;
  const globs = Array.isArray(rootPackage?.workspaces)
    ? rootPackage.workspaces
    : (rootPackage?.workspaces?.packages ?? []);
  if (!globs.some((glob) => matchesGlob(dir, glob.replace(/\/$/, ''))))
    throw new McpxError(
      `Server ${server} lives in ${dir}, which the "workspaces" of ${join(root, 'package.json')} do not list: its image installs it with \`npm ci -w ${dir}\`.`,
      { hint: `add "${dir}" (or a glob that matches it) to "workspaces" and run npm install` },
    );
  const lockFile = join(root, 'package-lock.json');
  const lock = readJson(lockFile) as { packages?: Record<string, LockEntry> } | undefined;
  if (lock?.packages === undefined)
    throw new McpxError(
      `${lockFile} is missing: the image of ${server} installs exactly what it locks (\`npm ci\`).`,
      { hint: `run \`npm install\` in ${root} and commit package-lock.json` },
    );
  const packages = lock.packages;
  if (packages[dir] === undefined)
    throw new McpxError(`${lockFile} does not list ${dir} (server ${server}): it is out of date.`, {
      hint: `run \`npm install\` in ${root}`,
    });
  return { dir, localDeps: [...linkedDependencies(packages, dir)] };
}

/** The workspace folders `dir` depends on through links, and theirs, in a stable order. */
function linkedDependencies(packages: Record<string, LockEntry>, dir: string): Set<string> {
  const found = new Set<string>();
  const visit = (from: string): void => {
    for (const name of Object.keys(packages[from]?.dependencies ?? {})) {
      // npm hoists: the copy that `from` sees is in its own node_modules, else in the root's.
      const entry = packages[`${from}/node_modules/${name}`] ?? packages[`node_modules/${name}`];
      const target = entry?.link === true ? entry.resolved : undefined;
      if (target === undefined || target === dir || found.has(target)) continue;
      found.add(target);
      visit(target);
    }
  };
  visit(dir);
  return new Set([...found].sort());
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new McpxError(`${file} is not valid JSON: ${(error as Error).message}.`, {
      hint: 'fix it (npm install rewrites package-lock.json)',
      cause: error,
    });
  }
}
