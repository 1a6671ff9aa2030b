import type { Clock } from '../clock.js';
import type { ServerConfig } from '../manifest/servers.js';
import type { RawSurface } from '../server/surface.js';
import type { Upstream } from '../server/upstream.js';
import type { Replica } from '../supervisor/replica.js';
import type { MemberSurface } from './aggregate.js';

/** A crashed or restarting server stays listed this long, so that a quick restart does not flap lists. */
export const DOWN_GRACE_MS = 2000;

/** What the gateway needs of the supervisor: the servers and their replicas, as they are now. */
export interface Cluster {
  readonly servers: ReadonlyMap<string, ServerConfig>;
  readonly replicas: readonly Replica[];
}

/** A replica that can take calls now, with the instance that would. */
export interface ReadyReplica {
  replica: Replica;
  upstream: Upstream;
  inFlight: number;
}

/** The replicas of `server` that take new calls: ready, with an instance (never a draining one). */
export function readyReplicas(cluster: Cluster, server: string, session?: string): ReadyReplica[] {
  const ready: ReadyReplica[] = [];
  for (const replica of cluster.replicas) {
    if (replica.server !== server || replica.session !== session) continue;
    const instance = replica.current;
    if (replica.state !== 'ready' || instance?.upstream === undefined) continue;
    // The connection closed (the process died, its pipe broke) before the supervisor has seen the
    // exit: a call sent there fails at once with "Not connected", which least outstanding would
    // repeat, as the replica never has a call in flight.
    if (instance.upstream.client.transport === undefined) continue;
    ready.push({ replica, upstream: instance.upstream, inFlight: instance.calls?.inFlight ?? 0 });
  }
  return ready;
}

/**
 * Which servers are in the aggregate, with what they list: each server that has a ready replica,
 * with the lowest-numbered one's lists (so that replicas reloading one after the other change the
 * lists once); and for DOWN_GRACE_MS after its last ready replica went, what it listed then.
 */
export class Membership {
  readonly #last = new Map<string, { raw: RawSurface; downSince: number | undefined }>();

  constructor(
    private readonly cluster: Cluster,
    private readonly clock: Clock,
    /** Asked to look again when a grace period ends. */
    private readonly recheck: () => void,
  ) {}

  members(): MemberSurface[] {
    const members: MemberSurface[] = [];
    const now = this.clock.now();
    for (const [name, config] of this.cluster.servers) {
      if (!this.cluster.replicas.some((r) => r.server === name)) {
        this.#last.delete(name);
        continue;
      }
      const ready = readyReplicas(this.cluster, name).sort(
        (a, b) => a.replica.replica - b.replica.replica,
      );
      const first = ready[0];
      let raw: RawSurface | undefined;
      if (first !== undefined) {
        raw = first.upstream.raw;
        this.#last.set(name, { raw, downSince: undefined });
      } else {
        const last = this.#last.get(name);
        if (last !== undefined) {
          if (last.downSince === undefined) {
            last.downSince = now;
            this.clock.setTimeout(this.recheck, DOWN_GRACE_MS);
          }
          if (now - last.downSince < DOWN_GRACE_MS) raw = last.raw;
        }
      }
      if (raw !== undefined) members.push({ server: name, prefix: config.prefix, raw });
    }
    return members;
  }
}
