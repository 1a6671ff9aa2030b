import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_FILE } from './root.js';

/**
 * The servers a manifest names, in its order, with their replica counts, read as plain JSON and
 * not validated: what `mcpx logs` aligns its column and labels by. It skips the schema (zod), the
 * largest part of loading a manifest; and logs are most wanted when something is broken, so an
 * invalid entry must not keep them from being read (an entry that is not an object is left out). Undefined when the file is not a JSON object
 * with an `mcpServers` object.
 */
export async function readServerNames(root: string): Promise<Map<string, number> | undefined> {
  let manifest: unknown;
  try {
    manifest = JSON.parse(await readFile(join(root, MANIFEST_FILE), 'utf8'));
  } catch {
    return undefined;
  }
  const servers = isObject(manifest) ? manifest.mcpServers : undefined;
  if (!isObject(servers)) return undefined;
  const names = new Map<string, number>();
  for (const [name, entry] of Object.entries(servers)) {
    // Not an entry at all: no server of that name will write logs.
    if (!isObject(entry)) continue;
    const { replicas } = entry;
    names.set(
      name,
      typeof replicas === 'number' && Number.isInteger(replicas) && replicas > 0 ? replicas : 1,
    );
  }
  return names;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
