/**
 * Where a workspace is, without reading its manifest: what `mcpx status`, `restart` and `logs`
 * need before a running cluster (or the log store) answers, so they load no schema code (zod).
 */
import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { McpxError } from '../errors.js';

/** The manifest's file name in a workspace root. */
export const MANIFEST_FILE = 'mcpx.json';

/** The folder holding mcpx.json: `start` or the nearest parent that has one. */
export async function findWorkspaceRoot(start: string): Promise<string> {
  let dir = resolve(start);
  for (;;) {
    const isFile = await stat(join(dir, MANIFEST_FILE)).then(
      (s) => s.isFile(),
      () => false,
    );
    if (isFile) return dir;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new McpxError(`No ${MANIFEST_FILE} in ${resolve(start)} or any folder above it.`, {
    hint: 'run `mcpx init` to create a workspace, or pass --dir with the workspace folder',
  });
}
