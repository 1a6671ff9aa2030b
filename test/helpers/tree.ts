import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** Every file under `dir` (node_modules excepted) with a hash of its bytes: to prove nothing changed. */
export async function snapshotTree(dir: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    const rel = relative(dir, path);
    if (rel.split('/').includes('node_modules')) continue;
    if (entry.isDirectory()) result[`${rel}/`] = 'dir';
    else if (entry.isFile())
      result[rel] = createHash('sha256')
        .update(await readFile(path))
        .digest('hex');
    // A socket (a running `mcpx dev`'s control socket) or a FIFO has no bytes to compare.
    else result[rel] = entry.isSymbolicLink() ? 'symlink' : 'special';
  }
  return result;
}
