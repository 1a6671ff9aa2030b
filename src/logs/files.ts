/**
 * The layout of `<workspace>/.mcpx/logs/`, shared by the writer and the readers:
 *
 * ```
 * .mcpx/logs/
 *   000041.jsonl    oldest kept
 *   000042.jsonl
 *   current.jsonl   the live file; only ever appended to
 * ```
 *
 * Rotation renames `current.jsonl` to the next sequence number and starts a new `current.jsonl`. A
 * renamed file is never written again, and its number says where it goes in time, so a reader can
 * always tell what comes after the file it holds.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** The live file. */
export const CURRENT_FILE = 'current.jsonl';

/** `.mcpx/logs` under a workspace root. */
export function logsDir(root: string): string {
  return join(root, '.mcpx', 'logs');
}

/** File name of the rotated file with sequence number `seq`. */
export function rotatedName(seq: number): string {
  return `${String(seq).padStart(6, '0')}.jsonl`;
}

const ROTATED = /^(\d+)\.jsonl$/;

export interface RotatedFile {
  seq: number;
  path: string;
  /** Inode: how a reader that holds a file open recognises it after the rename. */
  ino: number;
}

/** A listing of the rotated files. */
export interface RotatedListing {
  /** The files that were still there to stat, oldest first. */
  files: RotatedFile[];
  /**
   * The highest number among the names listed, stat'ed or not (pruned since); 0 for none. Names
   * only ever grow (the writer numbers each rotated file one more than the last), so two listings
   * with the same `newest` mean no rotation came between them.
   */
  newest: number;
}

/**
 * The rotated files in `dir`, oldest first, with their inodes. A file removed between listing and
 * stat (pruned by the writer) is left out of `files`; a missing folder has none.
 */
export async function readRotated(dir: string): Promise<RotatedListing> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  let newest = 0;
  const files = await Promise.all(
    names.map(async (name): Promise<RotatedFile | undefined> => {
      const digits = ROTATED.exec(name)?.[1];
      if (digits === undefined) return undefined;
      const seq = Number(digits);
      newest = Math.max(newest, seq);
      const path = join(dir, name);
      const stats = await stat(path).catch(() => undefined);
      return stats === undefined ? undefined : { seq, path, ino: stats.ino };
    }),
  );
  return { files: files.filter((f) => f !== undefined).sort((a, b) => a.seq - b.seq), newest };
}

/** `readRotated(dir).files`. */
export async function listRotated(dir: string): Promise<RotatedFile[]> {
  return (await readRotated(dir)).files;
}
