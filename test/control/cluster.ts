// A cluster snapshot with one replica in each interesting state, for the status table and the
// command-level tests.
import type { ClusterSnapshot, ReplicaSnapshot } from '../../src/supervisor/state.js';

function replica(
  fields: Partial<ReplicaSnapshot> & Pick<ReplicaSnapshot, 'server'>,
): ReplicaSnapshot {
  return {
    replica: 0,
    state: 'ready',
    transport: 'stdio',
    pid: undefined,
    port: undefined,
    readySince: undefined,
    readyMs: undefined,
    restarts: 0,
    lastReload: undefined,
    counts: undefined,
    lastError: undefined,
    ...fields,
  };
}

/** Four replicas of three servers, as `mcpx dev` might report them at 10:05:12. */
export const CLUSTER: ClusterSnapshot = {
  root: '/work/shop',
  pid: 4242,
  startedAt: '2026-11-24T10:00:00.000Z',
  replicas: [
    replica({
      server: 'text-kit',
      pid: 4301,
      readySince: '2026-11-24T10:02:08.000Z',
      lastReload: { at: '2026-11-24T10:03:02.000Z', ok: true, message: 'tools: ~count_words' },
      counts: { tools: 3, resources: 0, resourceTemplates: 0, prompts: 0 },
    }),
    replica({
      server: 'docs',
      transport: 'http',
      pid: 4302,
      port: 43117,
      readySince: '2026-11-24T10:00:02.000Z',
      counts: { tools: 0, resources: 3, resourceTemplates: 1, prompts: 0 },
    }),
    replica({
      server: 'docs',
      replica: 1,
      state: 'backoff',
      transport: 'http',
      port: 43118,
      restarts: 2,
      lastError: 'exited with code 1:\nERROR cannot open database: ENOENT /nope',
    }),
    replica({
      server: 'writing',
      state: 'crashed',
      restarts: 5,
      lastReload: { at: '2026-11-24T10:05:00.000Z', ok: false, message: 'exited with code 3' },
      lastError:
        'exited with code 3 five times in 10 s; waiting for a file change or `mcpx restart`',
    }),
  ],
};

/** The same cluster with its gateway: two sessions, and the calls each replica got. */
export const CLUSTER_WITH_GATEWAY: ClusterSnapshot = {
  ...CLUSTER,
  gateway: {
    url: 'http://127.0.0.1:7330/mcp',
    auth: true,
    sessions: 2,
    counts: { tools: 3, resources: 4, prompts: 0 },
  },
  replicas: CLUSTER.replicas.map((r, i) => ({
    ...r,
    calls: [
      { inFlight: 1, served: 240 },
      { inFlight: 0, served: 17 },
      { inFlight: 0, served: 3 },
      { inFlight: 0, served: 0 },
    ][i],
  })),
};
