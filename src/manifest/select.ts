import { McpxError } from '../errors.js';
import type { Workspace } from './load.js';
import type { ServerConfig } from './servers.js';

/**
 * The servers a command works on: the named ones (each must exist), or every entry that is not
 * `disabled`. A name given on purpose runs even when its entry is disabled.
 */
export function selectServers(
  workspace: Workspace,
  names: readonly string[] | undefined,
): ServerConfig[] {
  const servers = [...workspace.servers.values()];
  if (names === undefined) return servers.filter((server) => !server.disabled);
  const unknown = names.filter((name) => !workspace.servers.has(name));
  if (unknown.length > 0) {
    throw new McpxError(
      `No server named ${unknown.map((n) => `"${n}"`).join(', ')} in ${workspace.file}.`,
      { hint: `use names from: ${[...workspace.servers.keys()].join(', ')}` },
    );
  }
  return servers.filter((server) => names.includes(server.name));
}
