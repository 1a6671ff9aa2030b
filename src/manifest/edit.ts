import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { McpxError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { withFileLock } from '../fs/lock.js';
import { type JsonEdit, editJsonText } from './json-text.js';
import { type Workspace, parseManifest, workspaceOf } from './load.js';

/** Edits as a function of the manifest as it is now: may throw an McpxError when they no longer apply. */
export type ManifestEdits = (current: Workspace) => readonly JsonEdit[];

/** The lock that serialises manifest edits between mcpx processes. */
export const manifestLockFile = (root: string): string => join(root, '.mcpx', 'manifest.lock');

/**
 * Applies edits to the workspace manifest atomically, keeping unrelated keys and formatting, and
 * never writes a manifest that does not validate. Edits from several mcpx processes are serialised
 * by a lock file under .mcpx/, so none is lost.
 *
 * Fixed `edits` are refused when the file changed since `workspace` was loaded (someone edited it
 * by hand meanwhile). A function is instead called with the manifest as it is under the lock, so
 * that concurrent additions (two `mcpx new server`) both land.
 */
export async function editManifest(
  workspace: Workspace,
  edits: readonly JsonEdit[] | ManifestEdits,
): Promise<Workspace & { previousText: string }> {
  return withFileLock(manifestLockFile(workspace.root), { what: workspace.file }, async () => {
    const text = await readFile(workspace.file, 'utf8');
    let current = workspace;
    if (text !== workspace.text) {
      if (typeof edits !== 'function') {
        throw new McpxError(
          `${workspace.file} changed while mcpx was working; nothing was written.`,
          { hint: 'run the command again' },
        );
      }
      const manifest = parseManifest(text, workspace.file);
      current = workspaceOf(workspace.root, workspace.file, text, manifest);
    }
    const next = editJsonText(text, typeof edits === 'function' ? edits(current) : edits);
    const manifest = parseManifest(next, workspace.file);
    await writeFileAtomic(workspace.file, next);
    return {
      ...workspaceOf(workspace.root, workspace.file, next, manifest),
      previousText: text,
    };
  });
}

/**
 * Takes back an edit made by `editManifest`: when nobody changed the file since, restores the text
 * it had before byte for byte; otherwise removes only `path`, keeping what others
 * added meanwhile.
 */
export async function undoManifestEdit(
  workspace: Workspace & { previousText: string },
  path: JsonEdit['path'],
): Promise<void> {
  await withFileLock(manifestLockFile(workspace.root), { what: workspace.file }, async () => {
    const text = await readFile(workspace.file, 'utf8');
    const next =
      text === workspace.text
        ? workspace.previousText
        : editJsonText(text, [{ path, value: undefined }]);
    await writeFileAtomic(workspace.file, next);
  });
}
