import { cp, mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, relative } from 'node:path';
import { McpxError } from '../errors.js';

/** Files that exist under these names in templates because npm would drop or act on the real ones. */
const RENAMES: Record<string, string> = { _gitignore: '.gitignore' };
const SKIP = new Set(['node_modules', 'dist', '.mcpx', 'coverage']);

/** Replaces `{{key}}` in Markdown files: code files carry no placeholders and stay valid as they are. */
export function fillPlaceholders(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (match, key: string) => values[key] ?? match);
}

export interface StagedCopy {
  /** The staging folder: where the files are until `commit()`. */
  dir: string;
  /** Every file written, relative to the final folder. */
  files: string[];
  /** Moves the staged folder into place; fails if the target appeared meanwhile. */
  commit(): Promise<void>;
  /** Removes the staged folder. */
  discard(): Promise<void>;
}

/**
 * Copies a template folder into a hidden sibling of `target`, so that nothing visible exists until
 * `commit()` renames it into place in one step. Callers may edit files under `dir` before that.
 */
export async function stageTemplate(
  template: string,
  target: string,
  placeholders: Record<string, string>,
): Promise<StagedCopy> {
  const staging = join(
    dirname(target),
    `.${basename(target)}.mcpx-${randomBytes(4).toString('hex')}`,
  );
  await mkdir(dirname(target), { recursive: true }).catch(async (error: NodeJS.ErrnoException) => {
    // A recursive mkdir on a read-only file system reports ENOENT; a plain one names the cause.
    if (error.code !== 'ENOENT') throw error;
    await mkdir(dirname(target));
  });
  try {
    await cp(template, staging, {
      recursive: true,
      errorOnExist: true,
      force: false,
      filter: (source) => !SKIP.has(basename(source)),
    });
    const files = await finishFiles(staging, placeholders);
    return {
      dir: staging,
      files,
      commit: async () => {
        // rename() would replace an empty directory silently; scaffolding never overwrites.
        const exists = await readdir(target).then(
          () => true,
          () => false,
        );
        if (exists) throw new McpxError(`${target} appeared while mcpx was scaffolding it.`);
        await rename(staging, target);
      },
      discard: () => rm(staging, { recursive: true, force: true }),
    };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

async function finishFiles(root: string, placeholders: Record<string, string>): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    let path = join(entry.parentPath, entry.name);
    const renamed = RENAMES[entry.name];
    if (renamed !== undefined) {
      const to = join(entry.parentPath, renamed);
      await rename(path, to);
      path = to;
    }
    if (path.endsWith('.md')) {
      await writeFile(path, fillPlaceholders(await readFile(path, 'utf8'), placeholders));
    }
    files.push(relative(root, path));
  }
  return files.sort();
}
