import type { spawn as nodeSpawn } from 'node:child_process';
import { resolve } from 'node:path';
import { McpxError } from '../errors.js';
import type { Workspace } from '../manifest/load.js';
import { DEFAULT_HEALTH, type ServerEntry, transportOf } from '../manifest/schema.js';
import { selectServers } from '../manifest/select.js';
import { CLUSTER, type LogEvent } from '../logs/event.js';
import { type Clock, systemClock } from './clock.js';
import type { InstanceEvent } from './instance.js';
import { PidFiles } from './pidfiles.js';
import { type WatchedServer, watchServers } from './policies/reload-on-change.js';
import { instanceSpec } from './spec.js';
import { DEFAULT_POLICIES, Replica, type ReplicaPolicies } from './replica.js';
import type { ClusterSnapshot } from './state.js';

export interface SupervisorOptions {
  workspace: Workspace;
  /** Only these servers (default: every enabled one). */
  servers?: readonly string[] | undefined;
  /** Every event of the cluster, in order per source; a promise applies backpressure. */
  onEvent: (event: LogEvent) => void | Promise<void>;
  /** Overrides of the default restart, crash-loop and shutdown policies (tests use short ones). */
  policies?: Partial<Omit<ReplicaPolicies, 'health'>>;
  startTimeout?: number;
  clock?: Clock;
  spawn?: typeof nodeSpawn;
  /** The environment servers' variables come from (default process.env). */
  parentEnv?: NodeJS.ProcessEnv;
}

/**
 * The cluster: a Replica per server replica, composed with the policies, the pid files and the file
 * watcher. It knows nothing of terminals or oclif; `mcpx dev` renders its events and snapshot.
 */
export class Supervisor {
  readonly replicas: Replica[] = [];
  readonly startedAt = new Date();
  readonly pidFiles: PidFiles;
  #watcher: { close(): Promise<void>; ready: Promise<void> } | undefined;
  readonly #clock: Clock;

  constructor(readonly options: SupervisorOptions) {
    this.#clock = options.clock ?? systemClock;
    const { workspace } = options;
    this.pidFiles = PidFiles.of(workspace.root);
    for (const [name, entry] of selectServers(workspace, options.servers)) {
      for (let replica = 0; replica < (entry.replicas ?? 1); replica++) {
        this.replicas.push(this.#replica(name, replica, entry));
      }
    }
  }

  #replica(name: string, replica: number, entry: ServerEntry): Replica {
    const transport = transportOf(entry);
    const health = { ...DEFAULT_HEALTH, ...entry.health };
    const emit = (event: InstanceEvent): void | Promise<void> =>
      this.options.onEvent({
        time: new Date(this.#clock.now()).toISOString(),
        server: name,
        replica,
        ...event,
      });
    return new Replica(name, replica, transport, {
      makeSpec: () =>
        instanceSpec({
          workspace: this.options.workspace,
          name,
          replica,
          entry,
          parentEnv: this.options.parentEnv ?? process.env,
          startTimeout: this.options.startTimeout,
        }),
      canOverlap: entry.port === undefined,
      policies: { ...DEFAULT_POLICIES, ...this.options.policies, health },
      emit,
      clock: this.options.clock,
      spawn: this.options.spawn,
      onInstance: (instance, running) => {
        const pid = instance.pid;
        if (pid === undefined) return;
        void (
          running
            ? this.pidFiles.record(name, replica, pid, instance.marker)
            : this.pidFiles.remove(pid)
        ).catch(() => undefined);
      },
    });
  }

  /** Reaps servers left by an earlier run that died, then starts every replica; resolves when each is ready or failed. */
  async start(): Promise<void> {
    const reaped = await this.pidFiles.reap(this.#clock);
    for (const record of reaped) {
      await this.#note(
        'warning',
        `stopped ${record.processes} process${record.processes === 1 ? '' : 'es'}${record.server === undefined ? '' : ` of ${record.server} (pid ${record.pid})`} left running by an earlier mcpx that exited without stopping ${record.processes === 1 ? 'it' : 'them'}`,
      );
    }
    const started = this.#clock.now();
    await Promise.all(this.replicas.map((replica) => replica.start()));
    const ready = this.replicas.filter((r) => r.state === 'ready').length;
    await this.#note(
      ready === this.replicas.length ? 'info' : 'warning',
      `${ready} of ${this.replicas.length} server${this.replicas.length === 1 ? '' : 's'} ready in ${Math.round(this.#clock.now() - started)} ms`,
    );
  }

  /** Reloads the named servers when their files change. */
  async watch(debounceMs = 100): Promise<void> {
    const { workspace } = this.options;
    const watched: WatchedServer[] = [];
    for (const [name, entry] of Object.entries(workspace.manifest.mcpServers)) {
      if (!this.replicas.some((r) => r.server === name)) continue;
      if (entry.url !== undefined || (entry.cwd === undefined && entry.watch === undefined))
        continue;
      watched.push({ name, root: resolve(workspace.root, entry.cwd ?? '.'), globs: entry.watch });
    }
    if (watched.length === 0) return;
    this.#watcher = await watchServers(
      watched,
      (names) => {
        for (const name of names) void this.reload(name);
      },
      { debounceMs, clock: this.options.clock },
    );
    await this.#watcher.ready;
  }

  async reload(server: string): Promise<void> {
    const replicas = this.replicas.filter((r) => r.server === server);
    await this.#note(
      'info',
      `${server}: files changed, reloading ${replicas.length === 1 ? '' : `${replicas.length} replicas `}`.trimEnd(),
      server,
    );
    await Promise.all(replicas.map((replica) => replica.reload()));
  }

  /** Restarts every replica of `server` (or all, for undefined); the number restarted. */
  async restart(server?: string): Promise<number> {
    const replicas = this.replicas.filter((r) => server === undefined || r.server === server);
    if (server !== undefined && replicas.length === 0) {
      throw new McpxError(`No running server named "${server}".`, {
        hint: `use one of: ${[...new Set(this.replicas.map((r) => r.server))].join(', ')}`,
      });
    }
    await Promise.all(replicas.map((replica) => replica.restart()));
    return replicas.length;
  }

  snapshot(): ClusterSnapshot {
    return {
      root: this.options.workspace.root,
      pid: process.pid,
      startedAt: this.startedAt.toISOString(),
      replicas: this.replicas.map((r) => r.snapshot()),
    };
  }

  /** Stops watching, then stops every replica with the shutdown ladder, all at once. */
  async stop(): Promise<void> {
    await this.#watcher?.close();
    await Promise.all(this.replicas.map((replica) => replica.stop()));
    await this.#note(
      'info',
      `stopped ${this.replicas.length} server${this.replicas.length === 1 ? '' : 's'}`,
    );
  }

  async #note(level: LogEvent['level'], msg: string, server = CLUSTER): Promise<void> {
    await this.options.onEvent({
      time: new Date(this.#clock.now()).toISOString(),
      server,
      replica: 0,
      stream: 'mcpx',
      level,
      msg,
    });
  }
}
