import type { ReplicaState } from './state.js';

/**
 * How many servers and replicas are ready, counted apart: a server is ready when all of its
 * replicas are. Replicas are named only where some server has several.
 *
 * ```
 * 3 of 3 servers ready
 * 3 of 3 servers ready (6 of 6 replicas)
 * 2 of 3 servers ready (5 of 6 replicas)
 * ```
 */
export function readySummary(replicas: readonly { server: string; state: ReplicaState }[]): string {
  const servers = new Map<string, boolean>();
  for (const r of replicas) {
    servers.set(r.server, (servers.get(r.server) ?? true) && r.state === 'ready');
  }
  const readyServers = [...servers.values()].filter(Boolean).length;
  const readyReplicas = replicas.filter((r) => r.state === 'ready').length;
  const summary = `${readyServers} of ${servers.size} server${servers.size === 1 ? '' : 's'} ready`;
  return replicas.length === servers.size
    ? summary
    : `${summary} (${readyReplicas} of ${replicas.length} replicas)`;
}
