import { basename, dirname, resolve } from 'node:path';
import type { Workspace } from '../../manifest/load.js';
import type { ServerEntry } from '../../manifest/schema.js';
import type { ServerConfig } from '../../manifest/servers.js';
import type { Clock } from '../../clock.js';
import { type FileWatch, watchFiles } from '../file-watch.js';

/** The servers a running cluster should have after an edit of mcpx.json, against those it has. */
export interface ManifestPlan {
  added: string[];
  removed: string[];
  /** Servers whose settings changed (besides `replicas`): every replica starts again. */
  changed: { name: string; fields: string[] }[];
  /** Servers where only `replicas` changed: replicas are added or stopped at the end. */
  rescaled: { name: string; from: number; to: number }[];
}

/**
 * The servers `mcpx dev` runs from a workspace: the ones named with --server that the manifest
 * has (a name removed from it stops; one added back starts), or every enabled one.
 */
export function runnableServers(
  workspace: Workspace,
  selection: readonly string[] | undefined,
): Map<string, ServerConfig> {
  const result = new Map<string, ServerConfig>();
  for (const [name, server] of workspace.servers) {
    if (selection === undefined ? server.disabled : !selection.includes(name)) continue;
    result.set(name, server);
  }
  return result;
}

/** Compares what runs with what the edited manifest asks for. */
export function planManifestChange(
  before: ReadonlyMap<string, ServerConfig>,
  after: ReadonlyMap<string, ServerConfig>,
): ManifestPlan {
  const plan: ManifestPlan = { added: [], removed: [], changed: [], rescaled: [] };
  for (const name of before.keys()) if (!after.has(name)) plan.removed.push(name);
  for (const [name, next] of after) {
    const old = before.get(name);
    if (old === undefined) {
      plan.added.push(name);
      continue;
    }
    const fields = changedFields(old, next);
    const from = old.replicas;
    const to = next.replicas;
    if (fields.length > 0) plan.changed.push({ name, fields });
    else if (from !== to) plan.rescaled.push({ name, from, to });
  }
  return plan;
}

function changedFields(old: ServerConfig, next: ServerConfig): string[] {
  const keys = new Set([...Object.keys(old.entry), ...Object.keys(next.entry)]);
  keys.delete('replicas');
  const fields = [...keys].filter(
    (key) =>
      JSON.stringify(old.entry[key as keyof ServerEntry]) !==
      JSON.stringify(next.entry[key as keyof ServerEntry]),
  );
  // The same role name with a new definition changes the server's environment too.
  if (!fields.includes('role') && JSON.stringify(old.role) !== JSON.stringify(next.role)) {
    fields.push('role definition');
  }
  return fields.sort();
}

/** "started late; stopped old; restarted weather (env); docs: 1 -> 3 replicas", or undefined. */
export function describePlan(plan: ManifestPlan): string | undefined {
  const parts = [
    ...(plan.added.length > 0 ? [`started ${plan.added.join(', ')}`] : []),
    ...(plan.removed.length > 0 ? [`stopped ${plan.removed.join(', ')}`] : []),
    ...plan.changed.map((c) => `restarted ${c.name} (${c.fields.join(', ')} changed)`),
    ...plan.rescaled.map((r) => `${r.name}: ${r.from} -> ${r.to} replicas`),
  ];
  return parts.length === 0 ? undefined : parts.join('; ');
}

/**
 * Watches the manifest and calls `onChange` once a burst of writes to it settles. The folder is
 * watched, not the file: an editor or `mcpx new server` replaces mcpx.json by renaming a new file
 * over it, and a watch on the old file would go quiet after the first such save.
 */
export async function watchManifest(
  file: string,
  onChange: () => void,
  options: { debounceMs?: number; clock?: Clock } = {},
): Promise<FileWatch> {
  const target = resolve(file);
  const folder = dirname(target);
  return watchFiles(
    folder,
    { depth: 0, ignored: (path: string) => path !== folder && path !== target },
    (path) => (resolve(path) === target ? [basename(target)] : []),
    { onChange: () => onChange(), debounceMs: options.debounceMs, clock: options.clock },
  );
}
