import type { spawn as nodeSpawn } from 'node:child_process';
import type { Clock } from '../clock.js';
import { describeConnectError } from '../server/connect-error.js';
import { type InstanceSpec, ServerInstance, StartError } from '../server/instance.js';
import { describeExit } from '../server/process.js';
import type { LadderOptions, LadderStep } from '../server/stop-ladder.js';
import { type InstanceFactory, type ReplicaInstance, StartFailed } from './replica-deps.js';
import type { Standby } from '../standby/standby.js';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  type RawSurface,
  type Surface,
  diffSurfaces,
  reloadParts,
  surfaceOf,
} from '../server/surface.js';
import { CallCounter, type Upstream, type UpstreamPeer } from '../server/upstream.js';

// The one place where the supervisor meets real server processes and MCP sessions: a Replica
// sees only the ReplicaInstance contract, so it can be tested with fakes.

export interface InstanceFactoryOptions {
  /** A fresh spec for each instance: an HTTP server gets a new free port each time. */
  makeSpec: () => Promise<InstanceSpec>;
  clock?: Clock | undefined;
  spawn?: typeof nodeSpawn | undefined;
  /** The gateway runs: sessions relay sampling, elicitation and roots (see McpSession). */
  relay?: boolean | undefined;
  /** A `node` server's pre-warmed standby: it launches instances, and is refilled after each. */
  standby?: Standby | undefined;
}

/** Instances that are real server processes (or connections to a `url`) with an MCP client. */
export function instanceFactory(options: InstanceFactoryOptions): InstanceFactory {
  return async (hooks) => {
    const spec = await options.makeSpec();
    const standby = options.standby?.readyFor(spec.launch);
    const description = `${describeStart(spec)}${standby === undefined ? '' : ` in its standby (pid ${standby})`}`;
    await hooks.onStarting({ description, port: spec.port });
    // The same wrapper from the spawn on, so the replica recognises it when it is ready.
    let wrapped: ReplicaServer | undefined;
    const wrap = (server: ServerInstance): ReplicaServer =>
      (wrapped ??= new ReplicaServer(server, options.clock));
    try {
      const { instance, prepared } = await ServerInstance.start(
        spec,
        {
          clock: options.clock,
          spawn: options.spawn,
          onEvent: hooks.onEvent,
          signal: hooks.signal,
          onSpawn: (server) => hooks.onSpawn(wrap(server)),
          onExit: (exit) => hooks.onExit(describeExit(exit)),
          relay: options.relay,
          launcher: options.standby?.launch,
        },
        // Listed as the last step of the start: the reload diff compares what each instance had.
        (session) => session.listRaw(spec.startTimeout),
      );
      const ready = wrap(instance);
      ready.listed(prepared, hooks.onSurfaceChanged);
      // Now that the instance serves: the next standby's imports are off the reload's path.
      options.standby?.refill(spec.launch);
      return ready;
    } catch (error) {
      if (!(error instanceof StartError)) throw error;
      throw new StartFailed(error.message, error.stderr, { cause: error });
    }
  };
}

/** How long listing again after a server's own list_changed may take. */
const RELIST_TIMEOUT_MS = 10_000;

/** A server instance as a replica sees it, with what it listed while starting. */
class ReplicaServer implements ReplicaInstance, Upstream {
  #raw: RawSurface | undefined;
  #surface: Surface | undefined;
  readonly calls: CallCounter;
  /** One listing at a time; a list_changed during one asks for one more after it. */
  #relisting: Promise<void> | undefined;
  #relistAgain = false;

  constructor(
    readonly instance: ServerInstance,
    clock: Clock | undefined,
  ) {
    this.calls = new CallCounter(clock);
  }

  /** Ready: what it listed while starting; from now on its own list_changed makes it list again. */
  listed(raw: RawSurface, onChanged: ((changes: string[]) => void) | undefined): void {
    this.#raw = raw;
    this.#surface = surfaceOf(raw);
    this.instance.session.onListChanged = () => this.#relist(onChanged);
  }

  #relist(onChanged: ((changes: string[]) => void) | undefined): void {
    if (this.#relisting !== undefined) {
      this.#relistAgain = true;
      return;
    }
    this.#relisting = (async () => {
      do {
        this.#relistAgain = false;
        const raw = await this.instance.session.listRaw(RELIST_TIMEOUT_MS).catch(() => undefined);
        // A server that cannot list now keeps what it listed last; its health check decides.
        if (raw === undefined) continue;
        const surface = surfaceOf(raw);
        const before = this.#surface;
        this.#raw = raw;
        this.#surface = surface;
        const changes = before === undefined ? [] : reloadParts(diffSurfaces(before, surface));
        // Also when nothing differs by the surface's terms (a title, icons): the lists as sent did.
        onChanged?.(changes);
      } while (this.#relistAgain);
    })().finally(() => (this.#relisting = undefined));
  }

  get upstream(): Upstream {
    return this;
  }
  get client(): Client {
    return this.instance.session.client;
  }
  get raw(): RawSurface {
    if (this.#raw === undefined) throw new Error('an instance has a surface once it is ready');
    return this.#raw;
  }
  get peer(): UpstreamPeer | undefined {
    return this.instance.session.peer;
  }
  set peer(peer: UpstreamPeer | undefined) {
    this.instance.session.peer = peer;
  }

  drain(timeoutMs: number): Promise<void> {
    return this.calls.drained(timeoutMs);
  }

  get pid(): number | undefined {
    return this.instance.pid;
  }
  get transport(): 'stdio' | 'http' | 'sse' {
    return this.instance.transport;
  }
  get port(): number | undefined {
    return this.instance.port;
  }
  get marker(): string | undefined {
    return this.instance.marker;
  }
  get startedAt(): number {
    return this.instance.startedAt;
  }
  get readyMs(): number {
    return this.instance.readyMs;
  }
  get surface(): Surface {
    // A replica reads it once the instance is ready; before, there is nothing to show.
    if (this.#surface === undefined) throw new Error('an instance has a surface once it is ready');
    return this.#surface;
  }
  get stderrTail(): readonly string[] {
    return this.instance.stderrTail;
  }
  get exitReason(): string | undefined {
    const exit = this.instance.exitInfo;
    return exit === undefined ? undefined : describeExit(exit);
  }
  get leftovers(): number {
    return this.instance.leftovers;
  }

  async ping(timeoutMs: number): Promise<void> {
    try {
      await this.instance.ping(timeoutMs);
    } catch (error) {
      // A remote server's failures say what the network said: refused, reset, host not found.
      if (this.instance.spec.launch !== undefined) throw error;
      throw new Error(describeConnectError(error, this.instance.spec.url), { cause: error });
    }
  }

  stop(ladder: LadderOptions): Promise<LadderStep> {
    return this.instance.stop(ladder);
  }
}

/** "starting node src/stdio.ts", "starting node src/http.ts on port 43117", "connecting to URL". */
function describeStart(spec: InstanceSpec): string {
  if (spec.launch === undefined) return `connecting to ${spec.url ?? '?'}`;
  const command = spec.launch.command === process.execPath ? 'node' : spec.launch.command;
  return `starting ${[command, ...spec.launch.args].join(' ')}${spec.port === undefined ? '' : ` on port ${spec.port}`}`;
}
