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

/**
 * The rotated files in `dir`, oldest first, with their inodes. A file removed between listing and
 * stat (pruned by the writer) is left out; a missing folder has none.
 */
export async function listRotated(dir: string): Promise<RotatedFile[]> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  const files = await Promise.all(
    names.map(async (name): Promise<RotatedFile | undefined> => {
      const seq = ROTATED.exec(name)?.[1];
      if (seq === undefined) return undefined;
      const path = join(dir, name);
      const stats = await stat(path).catch(() => undefined);
      return stats === undefined ? undefined : { seq: Number(seq), path, ino: stats.ino };
    }),
  );
  return files.filter((f) => f !== undefined).sort((a, b) => a.seq - b.seq);
}
