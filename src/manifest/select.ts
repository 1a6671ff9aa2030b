import { McpxError } from '../errors.js';
import type { Workspace } from './load.js';
import type { ServerEntry } from './schema.js';

/**
 * The servers a command works on: the named ones (each must exist), or every entry that is not
 * `disabled`. A name given on purpose runs even when its entry is disabled.
 */
export function selectServers(
  workspace: Workspace,
  names: readonly string[] | undefined,
): [string, ServerEntry][] {
  const entries = Object.entries(workspace.manifest.mcpServers);
  if (names === undefined) return entries.filter(([, entry]) => entry.disabled !== true);
  const unknown = names.filter((name) => !Object.hasOwn(workspace.manifest.mcpServers, name));
  if (unknown.length > 0) {
    throw new McpxError(
      `No server named ${unknown.map((n) => `"${n}"`).join(', ')} in ${workspace.file}.`,
      { hint: `use names from: ${entries.map(([n]) => n).join(', ')}` },
    );
  }
  return entries.filter(([name]) => names.includes(name));
}
