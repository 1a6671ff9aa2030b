import {
  ErrorCode,
  ResultSchema,
  type LoggingMessageNotification,
  type Result,
} from '@modelcontextprotocol/sdk/types.js';
import { type Clock, systemClock } from '../clock.js';
import { LOG_LEVELS, type LogEvent, replicaLabel } from '../logs/event.js';
import type { Upstream, UpstreamPeer } from '../server/upstream.js';
import type { Replica } from '../supervisor/replica.js';
import type { GatewaySnapshot } from '../supervisor/state.js';
import { type Aggregate, aggregate } from './aggregate.js';
import { Subscriptions } from './subscriptions.js';
import { type Balance, RoundRobin, leastOutstanding } from './balancer.js';
import type { CallContext, DownstreamSession, View } from './downstream.js';
import { type CallRecord, Unavailable, errorText, forward } from './forward.js';
import type { GatewayCore } from './handlers.js';
import { type Cluster, Membership, type ReadyReplica, readyReplicas } from './members.js';
import { splitName } from './names.js';
import { rpcError } from './errors.js';

/** The supervisor as the gateway uses it: the cluster, and instances dedicated to one session. */
export interface GatewayCluster extends Cluster {
  startSessionReplica(server: string, session: string): Promise<Replica>;
  stopSessionReplica(replica: Replica): Promise<void>;
}

export interface GatewayOptions {
  cluster: GatewayCluster;
  /** What each client puts before a tool name; names that would not fit are left out, and said. */
  clientPrefix: string;
  /** The gateway's own events (forwarded calls, names left out): server "gateway" in the logs. */
  onEvent: (event: Omit<LogEvent, 'time' | 'server' | 'replica'>) => void;
  balance?: Balance;
  /** Whose servers these are, for messages: `mcpx dev` (the default, with `mcpx logs`) or `mcpx gateway`. */
  runner?: 'mcpx dev' | 'mcpx gateway';
  clock?: Clock;
  random?: () => number;
}

/** How many instances of one server isolation "session" may run at once (one per client session). */
export const MAX_SESSION_INSTANCES = 32;

/** How long a call waits when every ready instance of its server is suspect (see #suspect). */
const SUSPECT_WAIT_MS = 5000;
/** The bound of each ping of a suspect instance, and the pause between pings. */
const SUSPECT_PING_MS = 5000;
const SUSPECT_RETRY_MS = 250;

const KINDS = ['tools', 'prompts', 'resources'] as const;

/**
 * The gateway's core, without HTTP: the aggregate of each view, forwarding with load balancing,
 * routing of servers' requests and notifications to the right sessions, subscriptions, and
 * list_changed when (and only when) a view's lists really changed.
 */
export class Gateway implements GatewayCore {
  readonly sessions = new Set<DownstreamSession>();
  readonly #clock: Clock;
  readonly #membership: Membership;
  readonly #roundRobin = new RoundRobin();
  readonly #aggregates = new Map<string, { aggregate: Aggregate; lists: string[] }>();
  /** Calls in flight per instance, per session: where that instance's requests for a client go. */
  readonly #inFlight = new Map<Upstream, Map<DownstreamSession, Set<CallContext>>>();
  readonly #lost = new Map<Upstream, AbortController>();
  /** Instances whose connection failed under a call, each until its probe ends (see #suspect). */
  readonly #suspects = new Map<Upstream, Promise<void>>();
  readonly #subscriptions: Subscriptions;
  readonly #saidLeftOut = new Set<string>();
  #dirty = false;

  constructor(readonly options: GatewayOptions) {
    this.#clock = options.clock ?? systemClock;
    this.#membership = new Membership(options.cluster, this.#clock, () => this.changed());
    this.#subscriptions = new Subscriptions({
      ready: (server) => readyReplicas(options.cluster, server),
      unavailable: (server) =>
        new Unavailable(
          this.#whyDown(
            server,
            options.cluster.replicas.filter((r) => r.server === server && r.session === undefined),
          ),
        ),
      warn: (msg) => options.onEvent({ stream: 'mcpx', level: 'warning', msg }),
    });
  }

  /** The cluster changed: look again, soon (several changes of one moment are one look). */
  changed(): void {
    if (this.#dirty) return;
    this.#dirty = true;
    queueMicrotask(() => {
      this.#dirty = false;
      this.#refresh();
    });
  }

  #refresh(): void {
    const { cluster } = this.options;
    for (const replica of cluster.replicas) {
      const upstream = replica.current?.upstream;
      if (upstream !== undefined && upstream.peer === undefined)
        upstream.peer = this.#peer(replica.server, replica.session, upstream);
    }
    // Instances that ended: their calls fail now, not at a timeout.
    for (const [upstream, controller] of this.#lost)
      if (upstream.exitReason !== undefined) controller.abort(new Error(upstream.exitReason));
    const views = new Map<string, View>();
    for (const session of this.sessions) views.set(session.view.key, session.view);
    for (const key of this.#aggregates.keys()) if (!views.has(key)) this.#aggregates.delete(key);
    for (const view of views.values()) {
      const before = this.#aggregates.get(view.key);
      const now = this.#build(view);
      for (const [i, kind] of KINDS.entries()) {
        if (before === undefined || before.lists[i] === now.lists[i]) continue;
        for (const session of this.sessions)
          if (session.view.key === view.key) notify(session, kind);
      }
    }
    void this.#subscriptions.follow();
  }

  #build(view: View): { aggregate: Aggregate; lists: string[] } {
    const members = this.#membership
      .members()
      .filter((m) => view.servers === undefined || view.servers.includes(m.server));
    const result = aggregate(members, {
      prefixed: view.prefixed,
      clientPrefix: this.options.clientPrefix,
    });
    for (const left of result.leftOut) {
      const key = `${left.server}\n${left.kind}\n${left.name}`;
      if (this.#saidLeftOut.has(key)) continue;
      this.#saidLeftOut.add(key);
      this.options.onEvent({
        stream: 'mcpx',
        level: 'warning',
        msg: `${left.kind} ${left.name} of ${left.server} is left out of the gateway: ${left.problem}. Give ${left.server} a shorter prefix in mcpx.json ("gateway": {"prefix": "..."} in its entry), or a shorter "clientPrefix" in "gateway"`,
      });
    }
    const entry = {
      aggregate: result,
      lists: [
        JSON.stringify(result.tools),
        JSON.stringify(result.prompts),
        JSON.stringify([result.resources, result.resourceTemplates]),
      ],
    };
    this.#aggregates.set(view.key, entry);
    return entry;
  }

  aggregateOf(view: View): Aggregate {
    return (this.#aggregates.get(view.key) ?? this.#build(view)).aggregate;
  }

  resolve(view: View, name: string): { server: string; name: string } | undefined {
    const servers = this.options.cluster.servers;
    if (!view.prefixed) {
      const only = view.servers?.[0];
      return only === undefined ? undefined : { server: only, name };
    }
    const parts = splitName(name);
    if (parts === undefined) return undefined;
    // By the name, not by what was listed: a client may call a name it cached before a restart.
    for (const [server, config] of servers) {
      if (config.prefix !== parts.prefix) continue;
      if (view.servers !== undefined && !view.servers.includes(server)) return undefined;
      if (!this.options.cluster.replicas.some((r) => r.server === server)) return undefined;
      return { server, name: parts.name };
    }
    return undefined;
  }

  forward(
    session: DownstreamSession,
    server: string,
    request: { method: string; params?: Record<string, unknown> | undefined },
    call: CallContext,
    options: { name: string; retryable: boolean },
  ): Promise<Result> {
    return forward(
      {
        clock: this.#clock,
        pick: (s, name, exclude) => this.#pick(s, name, exclude),
        track: (upstream, s, c) => this.#track(upstream, s, c),
        lost: (upstream) => this.#lostSignal(upstream),
        suspect: (upstream) => this.#suspect(upstream),
        record: (record) => this.#record(record),
      },
      session,
      server,
      request,
      call,
      options,
    );
  }

  async #pick(
    session: DownstreamSession,
    server: string,
    exclude: ReadonlySet<Replica>,
  ): Promise<ReadyReplica | { unavailable: string }> {
    const config = this.options.cluster.servers.get(server);
    if (config !== undefined && config.isolation === 'session') {
      const replica = await this.#isolated(session, server);
      if ('unavailable' in replica) return replica;
      const ready = readyReplicas(this.options.cluster, server, session.id).find(
        (r) => r.replica === replica && !exclude.has(r.replica),
      );
      return ready ?? { unavailable: this.#whyDown(server, [replica]) };
    }
    let ready = readyReplicas(this.options.cluster, server).filter((r) => !exclude.has(r.replica));
    const trusted = ready.filter((r) => !this.#suspects.has(r.upstream));
    if (trusted.length === 0 && ready.length > 0) {
      // Every candidate's connection just failed: wait (bounded) for one to answer again or for
      // the supervisor to replace it, rather than send the call where the last one broke.
      await Promise.race([
        ...ready.map((r) => this.#suspects.get(r.upstream)),
        new Promise<void>((resolve) => this.#clock.setTimeout(resolve, SUSPECT_WAIT_MS)),
      ]);
      ready = readyReplicas(this.options.cluster, server).filter(
        (r) => !exclude.has(r.replica) && !this.#suspects.has(r.upstream),
      );
    } else ready = trusted;
    const picked =
      this.options.balance === 'round-robin'
        ? this.#roundRobin.pick(server, ready)
        : leastOutstanding(ready, this.options.random);
    if (picked !== undefined) return picked;
    const replicas = this.options.cluster.replicas.filter(
      (r) => r.server === server && r.session === undefined,
    );
    return { unavailable: this.#whyDown(server, replicas) };
  }

  /** "text-kit has no ready instance (crashed: exited with code 1 ...)", for the caller. */
  #whyDown(server: string, replicas: readonly Replica[]): string {
    const runner = this.options.runner ?? 'mcpx dev';
    if (replicas.length === 0) return `${server} is not running in this ${runner}`;
    const states = replicas.map((r) => {
      const s = r.snapshot();
      const label = replicaLabel(server, r.replica, replicas.length);
      return `${label}: ${s.state}${s.lastError === undefined ? '' : ` (${s.lastError})`}`;
    });
    const more =
      runner === 'mcpx dev'
        ? `\`mcpx logs -s ${server}\` shows its output`
        : 'the log of mcpx gateway says more';
    return `${server} has no ready instance to take the call: ${states.join('; ')}. ${more}`;
  }

  async #isolated(
    session: DownstreamSession,
    server: string,
  ): Promise<Replica | { unavailable: string }> {
    const { cluster } = this.options;
    let pending = session.isolated.get(server);
    const current = pending === undefined ? undefined : await pending.catch(() => undefined);
    if (current === undefined || !cluster.replicas.includes(current)) {
      const running = cluster.replicas.filter(
        (r) => r.server === server && r.session !== undefined,
      );
      if (running.length >= MAX_SESSION_INSTANCES)
        return {
          unavailable: `${server} already runs ${running.length} instances, one per client session (isolation "session"), the most mcpx starts; end idle sessions, or use isolation "shared"`,
        };
      pending = cluster.startSessionReplica(server, session.id ?? '?');
      session.isolated.set(server, pending);
      this.options.onEvent({
        stream: 'mcpx',
        level: 'info',
        msg: `starting an instance of ${server} for session ${short(session.id)} (isolation "session")`,
      });
    }
    try {
      return await (pending as Promise<Replica>);
    } catch (error) {
      session.isolated.delete(server);
      return {
        unavailable: `${server}: its instance for this session did not start: ${errorText(error)}`,
      };
    }
  }

  #track(upstream: Upstream, session: DownstreamSession, call: CallContext): () => void {
    let sessions = this.#inFlight.get(upstream);
    if (sessions === undefined) this.#inFlight.set(upstream, (sessions = new Map()));
    let calls = sessions.get(session);
    if (calls === undefined) sessions.set(session, (calls = new Set()));
    calls.add(call);
    return () => {
      calls.delete(call);
      if (calls.size === 0) sessions.delete(session);
      if (sessions.size === 0) {
        this.#inFlight.delete(upstream);
        this.#lost.delete(upstream);
      }
    };
  }

  /**
   * Keeps `upstream` out of rotation until a ping answers, or until it is no longer a ready
   * replica's instance (it exited, or a reload replaced it): the supervisor's health check would
   * see the same, but only after calls kept failing on it for an interval.
   */
  #suspect(upstream: Upstream): void {
    if (this.#suspects.has(upstream)) return;
    const serving = (): boolean =>
      this.options.cluster.replicas.some(
        (r) => r.state === 'ready' && r.current?.upstream === upstream,
      );
    const probe = async (): Promise<void> => {
      while (serving()) {
        try {
          await upstream.client.ping({ timeout: SUSPECT_PING_MS });
          return;
        } catch {
          await new Promise<void>((resolve) => this.#clock.setTimeout(resolve, SUSPECT_RETRY_MS));
        }
      }
    };
    this.#suspects.set(
      upstream,
      probe().finally(() => {
        this.#suspects.delete(upstream);
      }),
    );
  }

  #lostSignal(upstream: Upstream): AbortSignal {
    let controller = this.#lost.get(upstream);
    if (controller === undefined) this.#lost.set(upstream, (controller = new AbortController()));
    return controller.signal;
  }

  #record(call: CallRecord): void {
    // After the answer is on its way: the line for the terminal and the store is not the caller's
    // wait (with one client calling in a loop it was ~10% of each call's time at the gateway).
    setImmediate(() => this.#logCall(call));
  }

  #logCall(call: CallRecord): void {
    const failed = call.outcome !== 'ok' && call.outcome !== 'cancelled';
    this.options.onEvent({
      stream: 'mcpx',
      level: failed ? 'warning' : 'info',
      msg: `${call.method} ${call.name} -> ${this.#label(call.server, call.replica)} ${call.outcome} in ${call.durationMs} ms (session ${short(call.session)})${call.error === undefined ? '' : `: ${call.error}`}`,
      data: call,
    });
  }

  #label(server: string, replica: number): string {
    const count = this.options.cluster.replicas.filter((r) => r.server === server).length;
    return replicaLabel(server, replica, count);
  }

  /** Where one instance's requests and notifications for its client go. */
  #peer(server: string, dedicated: string | undefined, upstream: Upstream): UpstreamPeer {
    return {
      request: (request, signal) =>
        this.#serverRequest(server, dedicated, upstream, request, signal),
      log: (params) => this.#log(server, dedicated, params),
      resourceUpdated: (uri) => this.#subscriptions.updated(server, uri),
    };
  }

  async #serverRequest(
    server: string,
    dedicated: string | undefined,
    upstream: Upstream,
    request: { method: string; params?: Record<string, unknown> | undefined },
    signal: AbortSignal,
  ): Promise<Record<string, unknown>> {
    const inFlight = [
      ...(this.#inFlight.get(upstream) ?? new Map<DownstreamSession, Set<CallContext>>()),
    ];
    let session: DownstreamSession | undefined;
    let call: CallContext | undefined;
    if (dedicated !== undefined) {
      session = [...this.sessions].find((s) => s.id === dedicated);
      call = inFlight
        .find(([s]) => s === session)?.[1]
        .values()
        .next().value;
    } else if (this.options.cluster.servers.get(server)?.isolation === 'session') {
      // The instance kept for the lists: telling the user to set what is set would mislead.
      throw rpcError(
        ErrorCode.InternalError,
        `${server} sent ${request.method} from the instance mcpx runs to list what ${server} offers; with isolation "session" each client session calls an instance of its own, and no client is behind this one`,
      );
    } else if (inFlight.length === 1) {
      session = inFlight[0]?.[0];
      call = inFlight[0]?.[1].values().next().value;
    } else {
      throw rpcError(
        ErrorCode.InternalError,
        `${server} sent ${request.method}, which mcpx must pass to the MCP client whose call caused it, but ${inFlight.length === 0 ? 'no client has a call in flight' : `${inFlight.length} clients have calls in flight`} on this instance, so mcpx cannot tell which. Set "isolation": "session" on ${server} in mcpx.json: each client session then gets its own instance`,
      );
    }
    if (session === undefined)
      throw rpcError(ErrorCode.InternalError, `the client session of this instance has ended`);
    const capability = CAPABILITY[request.method];
    if (capability !== undefined && !session.supports(capability))
      throw rpcError(
        ErrorCode.InvalidRequest,
        `the MCP client of this session does not support ${capability} (it did not declare it in initialize)`,
      );
    const options = { signal, timeout: 10 * 60_000 };
    // Within the call: the request rides that call's response stream, which every client reads.
    const result =
      call === undefined
        ? await session.server.request(request as never, ResultSchema, options)
        : await call.sendRequest(request, ResultSchema as never, options);
    return result as Record<string, unknown>;
  }

  #log(
    server: string,
    dedicated: string | undefined,
    params: LoggingMessageNotification['params'],
  ): void {
    const rank = LOG_LEVELS.indexOf(params.level);
    for (const session of this.sessions) {
      if (session.level === undefined || rank < LOG_LEVELS.indexOf(session.level)) continue;
      if (dedicated !== undefined && session.id !== dedicated) continue;
      if (session.view.servers !== undefined && !session.view.servers.includes(server)) continue;
      const logger = params.logger === undefined ? server : `${server}/${params.logger}`;
      void session.server
        .notification({ method: 'notifications/message', params: { ...params, logger } })
        .catch(() => undefined);
    }
  }

  subscribe(session: DownstreamSession, server: string, uri: string, as: string): Promise<void> {
    return this.#subscriptions.subscribe(session, server, uri, as);
  }

  unsubscribe(session: DownstreamSession, server: string, uri: string): Promise<void> {
    return this.#subscriptions.unsubscribe(session, server, uri);
  }

  /** A session ended: its subscriptions go, and so do its dedicated instances. */
  async ended(session: DownstreamSession): Promise<void> {
    this.sessions.delete(session);
    await this.#subscriptions.release(session);
    const dedicated = [...session.isolated.values()];
    session.isolated.clear();
    for (const pending of dedicated) {
      const replica = await pending.catch(() => undefined);
      if (replica !== undefined) await this.options.cluster.stopSessionReplica(replica);
    }
  }

  snapshot(url: string, auth: boolean): GatewaySnapshot {
    const all = this.aggregateOf({ key: '/mcp', servers: undefined, prefixed: true });
    return {
      url,
      auth,
      sessions: [...this.sessions].filter((s) => s.id !== undefined).length,
      counts: {
        tools: all.tools.length,
        resources: all.resources.length + all.resourceTemplates.length,
        prompts: all.prompts.length,
      },
    };
  }
}

const CAPABILITY: Record<string, 'sampling' | 'elicitation' | 'roots' | undefined> = {
  'sampling/createMessage': 'sampling',
  'elicitation/create': 'elicitation',
  'roots/list': 'roots',
};

function notify(session: DownstreamSession, kind: (typeof KINDS)[number]): void {
  if (session.id === undefined || session.closed) return;
  session.listChangedSent++;
  const send =
    kind === 'tools'
      ? session.server.sendToolListChanged()
      : kind === 'prompts'
        ? session.server.sendPromptListChanged()
        : session.server.sendResourceListChanged();
  void send.catch(() => undefined);
}

function short(id: string | undefined): string {
  return id === undefined ? '?' : id.slice(0, 8);
}
