import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { type Clock, systemClock } from '../../clock.js';
import type { LogEvent } from '../../logs/event.js';
import { expandEnv } from '../../manifest/env.js';
import type { ServerConfig } from '../../manifest/servers.js';
import type { InstanceSpec } from '../../server/instance.js';
import { instanceFactory } from '../../supervisor/instance-factory.js';
import { Replica } from '../../supervisor/replica.js';
import { DEFAULT_POLICIES, type ReplicaPolicies } from '../../supervisor/replica-deps.js';
import type { GatewayCluster } from '../gateway.js';
import type { RemoteMember } from './members-file.js';

/** How often a `"discovery": "dns"` member's host is resolved again (pods come and go). */
export const DNS_REFRESH_MS = 5000;

/** Every address a host name resolves to (A and AAAA, as getaddrinfo returns them). */
export type Resolve = (host: string) => Promise<string[]>;

const systemResolve: Resolve = async (host) =>
  (await dnsLookup(host, { all: true, verbatim: true })).map((a) => a.address);

export interface RemoteClusterOptions {
  members: readonly RemoteMember[];
  /** Every event of every replica, and of discovery. */
  onEvent: (event: LogEvent) => void | Promise<void>;
  /** Called whenever a replica came or went or changed: what the gateway recomputes on. */
  onChange: () => void;
  resolve?: Resolve;
  clock?: Clock;
  parentEnv?: NodeJS.ProcessEnv;
  policies?: Partial<Omit<ReplicaPolicies, 'health'>>;
  dnsRefreshMs?: number;
}

/**
 * The servers of `mcpx gateway`: each one a Replica per address (a fixed URL, or an address its
 * host resolves to), so the health checks (MCP ping, down after `health.failures`, tried again
 * until it answers), the states and the upstream sessions are exactly those of `mcpx dev`'s `url`
 * servers. Nothing is started or watched; DNS members are resolved again every DNS_REFRESH_MS,
 * and replicas follow the addresses.
 */
export class RemoteCluster implements GatewayCluster {
  readonly servers: ReadonlyMap<string, ServerConfig>;
  readonly replicas: Replica[] = [];
  readonly #members: readonly RemoteMember[];
  /** Per DNS member: its replicas by address, and the next replica number. */
  readonly #byAddress = new Map<string, { replicas: Map<string, Replica>; next: number }>();
  /** The last lookup problem said per member, so that an outage is said once. */
  readonly #said = new Map<string, string>();
  /** Starts and stops of replicas that periodic lookups began. */
  readonly #pending = new Set<Promise<void>>();
  readonly #clock: Clock;
  readonly #resolve: Resolve;
  #timer: unknown;
  #refreshing: Promise<void> | undefined;
  #stopped = false;

  constructor(readonly options: RemoteClusterOptions) {
    this.#members = options.members;
    this.servers = new Map(options.members.map((m) => [m.config.name, m.config]));
    this.#clock = options.clock ?? systemClock;
    this.#resolve = options.resolve ?? systemResolve;
  }

  /** Makes the replicas (resolving DNS members once) and starts them; resolves when each is ready or failed. */
  async start(): Promise<void> {
    const started: Promise<void>[] = [];
    for (const member of this.#members) {
      if (member.source.kind === 'urls') {
        for (const [n, url] of member.source.urls.entries())
          started.push(this.#add(member, n, url, undefined).start());
      } else {
        this.#byAddress.set(member.config.name, { replicas: new Map(), next: 0 });
      }
    }
    // The first lookup's replicas are waited for too: the summary after start counts them.
    started.push(...(await this.#refresh()));
    await Promise.all(started);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#stopped || !this.#members.some((m) => m.source.kind === 'dns')) return;
    this.#timer = this.#clock.setTimeout(() => {
      // Not waiting for the replicas it starts or stops (a start may take startTimeout): the
      // next lookup comes on time. stop() waits for them.
      this.#refreshing = this.#refresh()
        .then((work) => {
          for (const promise of work) {
            this.#pending.add(promise);
            void promise.finally(() => this.#pending.delete(promise));
          }
        })
        .finally(() => {
          this.#refreshing = undefined;
          this.#schedule();
        });
    }, this.options.dnsRefreshMs ?? DNS_REFRESH_MS);
  }

  /**
   * Resolves every DNS member; new addresses get a replica, gone ones have theirs stopped. Returns
   * those starts and stops, under way.
   */
  async #refresh(): Promise<Promise<void>[]> {
    const work: Promise<void>[] = [];
    await Promise.all(
      this.#members.map(async (member) => {
        if (member.source.kind !== 'dns') return;
        const name = member.config.name;
        const known = this.#byAddress.get(name);
        if (known === undefined) return;
        const host = new URL(member.source.url).hostname;
        let addresses: string[];
        try {
          addresses = [...new Set(await this.#resolve(host))];
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          // No such name: no pod is ready behind a headless Service. Anything else (the DNS
          // server did not answer) says nothing about the replicas, which keep their health checks.
          if (code !== 'ENOTFOUND' && code !== 'ENODATA') {
            const why = `resolving ${host} failed (${code ?? String(error)}); keeping the replicas found before`;
            await this.#sayOnce(name, why);
            return;
          }
          addresses = [];
        }
        if (this.#stopped) return;
        if (addresses.length === 0)
          await this.#sayOnce(name, `${host} resolves to no address: ${name} has no replica`);
        else this.#said.delete(name);
        for (const address of addresses) {
          if (known.replicas.has(address)) continue;
          const n = known.next++;
          const replica = this.#add(member, n, member.source.url, address);
          known.replicas.set(address, replica);
          await this.#emit(name, n, 'info', `${host} resolves to ${address}: replica ${n}`);
          work.push(replica.start());
        }
        for (const [address, replica] of known.replicas) {
          if (addresses.includes(address)) continue;
          known.replicas.delete(address);
          await this.#emit(
            name,
            replica.replica,
            'info',
            `${host} no longer resolves to ${address}: replica ${replica.replica} leaves`,
          );
          this.#remove(replica);
          work.push(replica.stop());
        }
      }),
    );
    return work;
  }

  /** A warning about a member's lookup, said once until something else happens to it. */
  async #sayOnce(name: string, why: string): Promise<void> {
    if (this.#said.get(name) === why) return;
    this.#said.set(name, why);
    await this.#emit(name, 0, 'warning', why);
  }

  #add(member: RemoteMember, n: number, url: string, address: string | undefined): Replica {
    const { config } = member;
    const spec = (): InstanceSpec =>
      specOf(config, n, url, address, this.options.parentEnv ?? process.env);
    const replica = new Replica(config.name, n, 'http', {
      factory: instanceFactory({
        makeSpec: async () => spec(),
        clock: this.options.clock,
        relay: true,
      }),
      canOverlap: true,
      remote: true,
      policies: { ...DEFAULT_POLICIES, ...this.options.policies, health: config.health },
      emit: (event) =>
        this.options.onEvent({
          time: new Date(this.#clock.now()).toISOString(),
          server: config.name,
          replica: n,
          ...event,
        }),
      clock: this.options.clock,
      onChange: () => this.options.onChange(),
    });
    this.replicas.push(replica);
    this.options.onChange();
    return replica;
  }

  #remove(replica: Replica): void {
    const i = this.replicas.indexOf(replica);
    if (i >= 0) this.replicas.splice(i, 1);
    this.options.onChange();
  }

  #emit(server: string, replica: number, level: LogEvent['level'], msg: string): Promise<void> {
    return Promise.resolve(
      this.options.onEvent({
        time: new Date(this.#clock.now()).toISOString(),
        server,
        replica,
        stream: 'mcpx',
        level,
        msg,
      }),
    );
  }

  /** isolation "session" needs instances mcpx starts; remote servers are shared. */
  startSessionReplica(server: string): Promise<Replica> {
    return Promise.reject(
      new Error(`${server} is reached by URL; mcpx gateway cannot start an instance per session`),
    );
  }

  async stopSessionReplica(): Promise<void> {}

  /** Stops discovery and every replica (their sessions end; nothing runs here to kill). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    await this.#refreshing;
    await Promise.all([...this.replicas.map((replica) => replica.stop()), ...this.#pending]);
  }
}

/**
 * One replica's connection: the member's URL, or (DNS) the URL with its host replaced by one
 * address, the Host header kept as the name so that the server's ALLOWED_HOSTS admits it.
 */
export function specOf(
  config: ServerConfig & { remote: true },
  replica: number,
  url: string,
  address: string | undefined,
  parentEnv: NodeJS.ProcessEnv,
): InstanceSpec {
  const headers = Object.fromEntries(
    Object.entries(config.headers).map(([k, v]) => [k, expandEnv(v, parentEnv)]),
  );
  let target = url;
  if (address !== undefined) {
    const parsed = new URL(url);
    headers.host = parsed.host;
    parsed.hostname = isIP(address) === 6 ? `[${address}]` : address;
    target = parsed.href;
  }
  return {
    server: config.name,
    replica,
    transport: config.transport,
    url: target,
    headers,
    detect: config.detect,
    startTimeout: config.startTimeout,
    requestTimeout: 10_000,
  };
}
