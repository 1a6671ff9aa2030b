import { lstat, readFile, readdir, rm, rmdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { McpxError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { editJsonText } from '../manifest/json-text.js';
import { stageTemplate } from './copy.js';
import { templatePaths } from './templates.js';

/**
 * Where a workspace keeps the runtime its servers share (stdout guard, logger, lifecycle, HTTP
 * host): one npm workspace package that each server depends on, instead of a copy in each.
 */
export const RUNTIME_DIR = 'packages/mcp-runtime';
export const RUNTIME_PACKAGE = 'mcp-runtime';
/** The workspaces pattern that takes it in. */
const PACKAGES_PATTERN = 'packages/*';

/** The runtime package's files, by path relative to the workspace root, as `mcpx init` writes them. */
export async function runtimeFiles(): Promise<Record<string, string>> {
  const root = templatePaths.runtime();
  const files: Record<string, string> = {};
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    if (!entry.isFile() || relative(root, path).split('/').includes('node_modules')) continue;
    files[join(RUNTIME_DIR, relative(root, path))] = await readFile(path, 'utf8');
  }
  return files;
}

/** The root package.json's `workspaces` with `packages/*` added when nothing there covers it. */
export function withPackagesWorkspace(workspaces: readonly string[]): string[] {
  const covered = workspaces.some((pattern) =>
    [PACKAGES_PATTERN, 'packages/**', RUNTIME_DIR].includes(pattern.replace(/\/$/, '')),
  );
  return covered ? [...workspaces] : [...workspaces, PACKAGES_PATTERN];
}

/**
 * Whether the workspace at `root` has the runtime package. A `packages/mcp-runtime` that is some
 * other package is an error: mcpx never overwrites a folder.
 */
export async function hasRuntime(root: string): Promise<boolean> {
  const target = join(root, RUNTIME_DIR);
  const existing = await readFile(join(target, 'package.json'), 'utf8').then(
    (text) => text,
    () => undefined,
  );
  if (existing === undefined) {
    if (!(await exists(target))) return false;
    throw new McpxError(
      `${RUNTIME_DIR} exists but has no package.json; mcpx never overwrites it.`,
      {
        hint: 'move that folder away and run the command again',
      },
    );
  }
  const name = parseName(existing);
  if (name === RUNTIME_PACKAGE) return true;
  throw new McpxError(
    `${RUNTIME_DIR} is the package "${name ?? '?'}", not mcpx's ${RUNTIME_PACKAGE}, which new servers depend on.`,
    { hint: `move that folder away; mcpx then adds ${RUNTIME_DIR} again` },
  );
}

/**
 * Adds the runtime package to a workspace made by an older mcpx (its servers carry their own
 * copies and keep them), and `packages/*` to the root's npm workspaces. Returns how to undo it.
 */
export async function addRuntime(root: string): Promise<() => Promise<void>> {
  const target = join(root, RUNTIME_DIR);
  const packagesDir = join(root, 'packages');
  const hadPackagesDir = await exists(packagesDir);
  const staged = await stageTemplate(templatePaths.runtime(), target, {});
  await staged.commit().catch(async (error: unknown) => {
    await staged.discard();
    throw error;
  });
  const pkgFile = join(root, 'package.json');
  const pkgText = await readFile(pkgFile, 'utf8').catch(() => undefined);
  const workspaces = pkgText === undefined ? undefined : workspacesOf(pkgText);
  // Only a list of workspaces is extended: a package.json without one is not an npm workspace
  // root, and the servers' `file:` dependency links the runtime all the same.
  const wanted = workspaces === undefined ? undefined : withPackagesWorkspace(workspaces);
  let edited = false;
  const undo = async (): Promise<void> => {
    if (edited && pkgText !== undefined) await writeFileAtomic(pkgFile, pkgText);
    await rm(target, { recursive: true, force: true });
    if (!hadPackagesDir) await rmdir(packagesDir).catch(() => undefined);
  };
  if (pkgText !== undefined && wanted !== undefined && wanted.length !== workspaces?.length) {
    const edit = editJsonText(pkgText, [{ path: ['workspaces'], value: wanted }]);
    await writeFileAtomic(pkgFile, edit).catch(async (error: unknown) => {
      await undo();
      throw error;
    });
    edited = true;
  }
  return undo;
}

function parseName(text: string): string | undefined {
  try {
    const { name } = JSON.parse(text) as { name?: unknown };
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
}

function workspacesOf(text: string): string[] | undefined {
  try {
    const { workspaces } = JSON.parse(text) as { workspaces?: unknown };
    return Array.isArray(workspaces) && workspaces.every((w) => typeof w === 'string')
      ? workspaces
      : undefined;
  } catch {
    return undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}
