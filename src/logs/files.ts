/**
 * The layout of `<workspace>/.mcpx/logs/`, shared by the writer and the readers:
 *
 * ```
 * .mcpx/logs/
 *   000041.jsonl    oldest kept
 *   000042.jsonl
 *   000043.jsonl    the live segment: the highest number, only ever appended to
 * ```
 *
 * The writer rotates by finishing the live segment (every write done, the file closed) and only
 * then creating the next number. So a segment with a higher number after it is complete, and a
 * reader learns everything it needs from the names: no inodes, no renames to race with.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** The live file of an mcpx from before numbered segments; LogStore.open numbers it. */
export const LEGACY_CURRENT_FILE = 'current.jsonl';

/** `.mcpx/logs` under a workspace root. */
export function logsDir(root: string): string {
  return join(root, '.mcpx', 'logs');
}

/** File name of segment number `seq`. */
export function segmentName(seq: number): string {
  return `${String(seq).padStart(6, '0')}.jsonl`;
}

const SEGMENT = /^(\d+)\.jsonl$/;

export interface Segment {
  seq: number;
  path: string;
}

/**
 * The segments in `dir`, oldest first (the last one is live). Names only: a segment pruned since
 * is still listed, and whoever opens it must expect it gone. A missing folder has none.
 */
export async function listSegments(dir: string): Promise<Segment[]> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  const segments: Segment[] = [];
  for (const name of names) {
    const digits = SEGMENT.exec(name)?.[1];
    if (digits !== undefined) segments.push({ seq: Number(digits), path: join(dir, name) });
  }
  return segments.sort((a, b) => a.seq - b.seq);
}
