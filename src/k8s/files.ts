import { mkdir, readFile, readdir, rm, rmdir } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { McpxError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';

/**
 * The first line of every file `mcpx k8s render` writes: how it knows, on the next render, which
 * files are its own to replace, and which (hand-written) ones it must not touch without --force.
 */
export const HEADER =
  '# Written by `mcpx k8s render` from mcpx.json; change mcpx.json and render again.';

/** A file's path (relative to the output folder, with "/") and its whole text. */
export interface OutputFile {
  path: string;
  text: string;
}

export interface WriteReport {
  written: string[];
  unchanged: string[];
  removed: string[];
}

/**
 * Writes `files` under `out`: each whole or not at all (atomic rename), after checking that none
 * of them would replace a file mcpx did not write (unless `force`). Files a previous render listed
 * in its kustomization.yaml that are no longer rendered are removed, when they carry the header.
 */
export async function writeOutput(
  out: string,
  files: readonly OutputFile[],
  previous: readonly string[],
  force: boolean,
): Promise<WriteReport> {
  const existing = new Map<string, string | undefined>();
  for (const file of files) existing.set(file.path, await readIfPresent(join(out, file.path)));
  const foreign = [...existing].filter(([, text]) => text !== undefined && !isOurs(text));
  if (foreign.length > 0 && !force) {
    const list = foreign.map(([path]) => join(out, path)).join(', ');
    throw new McpxError(
      `Not overwriting ${list}: mcpx k8s render did not write ${foreign.length === 1 ? 'it' : 'them'}.`,
      {
        hint: `move ${foreign.length === 1 ? 'it' : 'them'} away, render into another folder with --out, or pass --force to replace ${foreign.length === 1 ? 'it' : 'them'}`,
      },
    );
  }
  const report: WriteReport = { written: [], unchanged: [], removed: [] };
  for (const file of files) {
    if (existing.get(file.path) === file.text) {
      report.unchanged.push(file.path);
      continue;
    }
    const target = join(out, file.path);
    await mkdir(dirname(target), { recursive: true });
    await writeFileAtomic(target, file.text);
    report.written.push(file.path);
  }
  const current = new Set(files.map((f) => f.path));
  for (const path of previous) {
    if (current.has(path) || !isInside(out, join(out, path))) continue;
    const text = await readIfPresent(join(out, path));
    if (text === undefined || !isOurs(text)) continue;
    await rm(join(out, path));
    report.removed.push(path);
    await removeEmptyFolders(out, dirname(join(out, path)));
  }
  return report;
}

function isOurs(text: string): boolean {
  return text.startsWith(HEADER);
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..';
}

async function readIfPresent(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function removeEmptyFolders(root: string, folder: string): Promise<void> {
  for (let dir = folder; isInside(root, dir); dir = dirname(dir)) {
    if ((await readdir(dir)).length > 0) return;
    await rmdir(dir);
  }
}

/** The resources a previous render's kustomization.yaml lists, if mcpx wrote it. */
export async function previousResources(
  out: string,
  parse: (text: string) => unknown,
): Promise<string[]> {
  const text = await readIfPresent(join(out, 'kustomization.yaml'));
  if (text === undefined || !isOurs(text)) return [];
  const parsed = parse(text) as { resources?: unknown } | null;
  const resources = parsed?.resources;
  return Array.isArray(resources)
    ? resources.filter((r): r is string => typeof r === 'string')
    : [];
}
