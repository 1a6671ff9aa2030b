import { readFile } from 'node:fs/promises';
import { McpxError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { type JsonEdit, editJsonText } from './json-text.js';
import { type Workspace, parseManifest } from './load.js';
import { resolveRoles } from './roles.js';

/**
 * Applies `edits` to the workspace manifest atomically, keeping unrelated keys and formatting.
 * Refuses when the file changed since it was loaded (someone else edited it) and never writes a
 * manifest that does not validate.
 */
export async function editManifest(
  workspace: Workspace,
  edits: readonly JsonEdit[],
): Promise<Workspace> {
  const current = await readFile(workspace.file, 'utf8');
  if (current !== workspace.text) {
    throw new McpxError(`${workspace.file} changed while mcpx was working; nothing was written.`, {
      hint: 'run the command again',
    });
  }
  const text = editJsonText(current, edits);
  const manifest = parseManifest(text, workspace.file);
  await writeFileAtomic(workspace.file, text);
  return { ...workspace, text, manifest, roles: resolveRoles(manifest.roles) };
}
