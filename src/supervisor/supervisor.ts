import type { spawn as nodeSpawn } from 'node:child_process';
import { basename, join } from 'node:path';
import { ExitCode, McpxError, isMcpxError } from '../errors.js';
import { type Workspace, loadWorkspace } from '../manifest/load.js';
import type { ServerConfig } from '../manifest/servers.js';
import { unsetEnvNames } from '../manifest/env.js';
import { selectServers } from '../manifest/select.js';
import { CLUSTER, type LogEvent, eventTime, replicaLabel } from '../logs/event.js';
import { type Clock, systemClock } from '../clock.js';
import { instanceFactory } from './instance-factory.js';
import { PidFiles } from './pidfiles.js';
import type { FileWatch } from './file-watch.js';
import { type WatchedServer, watchServers } from './policies/reload-on-change.js';
import {
  describePlan,
  planManifestChange,
  runnableServers,
  watchManifest,
} from './policies/reload-on-manifest-change.js';
import { instanceSpec } from './spec.js';
import {
  StartLimit,
  type StartLimitOptions,
  defaultStartLimit,
  limitStarts,
} from './policies/start-limit.js';
import { readySummary } from './ready-summary.js';
import { Replica } from './replica.js';
import { DEFAULT_POLICIES, type InstanceEvent, type ReplicaPolicies } from './replica-deps.js';
import type { ClusterSnapshot } from './state.js';
import { Standby } from '../standby/standby.js';

/** The first number of a replica dedicated to one gateway session (isolation "session"). */
const SESSION_REPLICAS_FROM = 100;

export interface SupervisorOptions {
  workspace: Workspace;
  /** Only these servers (default: every enabled one). */
  servers?: readonly string[] | undefined;
  /** Every event of the cluster, in order per source; a promise applies backpressure. */
  onEvent: (event: LogEvent) => void | Promise<void>;
  /** Overrides of the default restart, crash-loop and shutdown policies (tests use short ones). */
  policies?: Partial<Omit<ReplicaPolicies, 'health'>>;
  /** How many servers may start at once (default: two per core, see start-limit.ts). */
  startLimit?: StartLimitOptions;
  clock?: Clock;
  spawn?: typeof nodeSpawn;
  /** The environment servers' variables come from (default process.env). */
  parentEnv?: NodeJS.ProcessEnv;
  /** The bearer token of the HTTP servers mcpx starts (see `instanceSpec`). */
  authToken?: string;
  /** Reads the workspace again after mcpx.json changed (default: loadWorkspace of its root). */
  loadWorkspace?: (root: string) => Promise<Workspace>;
  /** Told of each valid edit of mcpx.json before it is applied (the terminal's labels follow it). */
  onWorkspace?: (workspace: Workspace) => void;
  /** A gateway runs: sessions relay sampling, elicitation and roots to its clients. */
  relay?: boolean;
  /**
   * Called (synchronously) whenever a replica came or went, or its state, its current instance or
   * that instance's surface changed: what the gateway recomputes its aggregate on.
   */
  onChange?: () => void;
}

/**
 * The cluster: a Replica per server replica, composed with the policies, the pid files and the file
 * watcher. It knows nothing of terminals or oclif; `mcpx dev` renders its events and snapshot.
 */
export class Supervisor {
  readonly replicas: Replica[] = [];
  readonly startedAt = new Date();
  readonly pidFiles: PidFiles;
  #watcher: FileWatch | undefined;
  #manifestWatcher: FileWatch | undefined;
  #debounceMs = 100;
  /** The manifest as last read, and the servers it asks for: what an edit is compared with. */
  #workspace: Workspace;
  #settings: Map<string, ServerConfig>;
  /** Edits of mcpx.json are applied one at a time, in order. */
  #manifestQueue: Promise<void> = Promise.resolve();
  /** Replicas of servers an edit removed or replaced, while they stop. */
  readonly #leaving = new Set<Promise<void>>();
  #stopping = false;
  readonly #clock: Clock;
  /** The pre-warmed standby of each replica of a watched server (see src/standby). */
  readonly #standbys = new Map<Replica, Standby>();
  /** Shared by every start of a process: first starts, restarts, reloads, edits of mcpx.json. */
  readonly #startLimit: StartLimit;

  constructor(readonly options: SupervisorOptions) {
    this.#clock = options.clock ?? systemClock;
    this.#startLimit = new StartLimit(options.startLimit ?? defaultStartLimit(), this.#clock);
    const { workspace } = options;
    this.#workspace = workspace;
    this.pidFiles = PidFiles.of(workspace.root);
    for (const server of selectServers(workspace, options.servers)) {
      for (let replica = 0; replica < server.replicas; replica++) {
        this.replicas.push(this.#replica(server, replica));
      }
    }
    this.#settings = runnableServers(workspace, options.servers);
  }

  #replica(server: ServerConfig, replica: number, session?: string): Replica {
    // The workspace as it is now: a later edit makes new replicas rather than changing this one.
    const workspace = this.#workspace;
    const name = server.name;
    const emit = (event: InstanceEvent): void | Promise<void> =>
      this.options.onEvent({
        time: eventTime(this.#clock.now()),
        server: name,
        replica,
        ...event,
      });
    // Only a server whose files are watched reloads, and so only it can use a standby.
    const standby =
      server.remote || server.watch === undefined
        ? undefined
        : new Standby({
            modulesFile: join(workspace.root, '.mcpx', 'standby', `${name}.json`),
            spawn: this.options.spawn,
            clock: this.options.clock,
            onEvent: (event) => void emit(event),
            onChange: () => this.options.onChange?.(),
          });
    const factory = instanceFactory({
      makeSpec: () =>
        instanceSpec({
          workspace,
          server,
          replica,
          parentEnv: this.options.parentEnv ?? process.env,
          authToken: this.options.authToken,
        }),
      clock: this.options.clock,
      spawn: this.options.spawn,
      relay: this.options.relay,
      standby,
    });
    const made = new Replica(name, replica, server.transport, {
      // A server reached by `url` costs this machine no CPU to start: it need not wait its turn.
      factory: server.remote ? factory : limitStarts(factory, this.#startLimit),
      ...(session === undefined ? {} : { session }),
      onChange: () => this.options.onChange?.(),
      canOverlap: server.remote || server.http?.port === undefined,
      remote: server.remote,
      policies: { ...DEFAULT_POLICIES, ...this.options.policies, health: server.health },
      emit,
      clock: this.options.clock,
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
    if (standby !== undefined) this.#standbys.set(made, standby);
    return made;
  }

  /** Stops a replica and its standby. */
  async #stopReplica(replica: Replica): Promise<void> {
    const standby = this.#standbys.get(replica);
    this.#standbys.delete(replica);
    await Promise.all([replica.stop(), standby?.stop()]);
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
    await this.#warnUnsetEnv([...this.#settings.keys()]);
    const started = this.#clock.now();
    await Promise.all(this.replicas.map((replica) => replica.start()));
    const ready = this.replicas.filter((r) => r.state === 'ready').length;
    await this.#note(
      ready === this.replicas.length ? 'info' : 'warning',
      `${readySummary(this.replicas)} in ${Math.round(this.#clock.now() - started)} ms`,
    );
  }

  /**
   * Reloads servers when their files change, and applies edits of mcpx.json: added servers start,
   * removed ones stop, changed ones start again with their new settings.
   */
  async watch(debounceMs = 100): Promise<void> {
    this.#debounceMs = debounceMs;
    this.#manifestWatcher = await watchManifest(
      this.#workspace.file,
      () => {
        this.#manifestQueue = this.#manifestQueue
          .then(() => this.#applyManifest())
          // Not an McpxError (those are handled inside): a bug, which must not end the cluster.
          .catch((error: unknown) =>
            this.#note(
              'error',
              `applying the edit of mcpx.json failed (a bug in mcpx): ${String(error)}`,
            ),
          );
      },
      { debounceMs, clock: this.options.clock },
    );
    await this.#manifestWatcher.ready;
    await this.#watchFiles();
  }

  /** (Re)starts the file watcher for the servers that run now. */
  async #watchFiles(): Promise<void> {
    await this.#watcher?.close();
    this.#watcher = undefined;
    const workspace = this.#workspace;
    const watched: WatchedServer[] = [];
    for (const [name, server] of this.#settings) {
      if (!this.replicas.some((r) => r.server === name)) continue;
      if (server.remote || server.watch === undefined) continue;
      watched.push({ name, ...server.watch });
    }
    if (watched.length > 0) {
      this.#watcher = await watchServers(
        watched,
        (names) => {
          for (const name of names) void this.reload(name);
        },
        { debounceMs: this.#debounceMs, clock: this.options.clock },
      );
      await this.#watcher.ready;
      // stop() may have come while the watcher started: it must not keep mcpx alive.
      if (this.#stopping) {
        await this.#watcher.close();
        return;
      }
    }
    // Said once the watchers are ready: an edit from here on is seen (one made before may not be).
    const files =
      watched.length === 0 ? '' : ` and the files of ${watched.map((w) => w.name).join(', ')}`;
    await this.#note('info', `watching ${basename(workspace.file)}${files} for changes`);
  }

  /** Makes the cluster match an edited mcpx.json; an invalid edit changes nothing. */
  async #applyManifest(): Promise<void> {
    if (this.#stopping) return;
    let next: Workspace;
    try {
      next = await (this.options.loadWorkspace ?? loadWorkspace)(this.#workspace.root);
    } catch (error) {
      const lines = (
        isMcpxError(error) ? `${error.message}\nTry: ${error.hint ?? ''}` : String(error)
      )
        .split('\n')
        .filter((line) => line.trim() !== '' && line !== 'Try: ');
      await this.#note(
        'error',
        `${basename(this.#workspace.file)} changed, but it cannot be used; the servers keep running as they were:`,
      );
      for (const line of lines) await this.#note('error', line);
      return;
    }
    if (next.text === this.#workspace.text || this.#stopping) return;
    const after = runnableServers(next, this.options.servers);
    const plan = planManifestChange(this.#settings, after);
    this.#workspace = next;
    this.#settings = after;
    this.options.onWorkspace?.(next);
    const summary = describePlan(plan);
    if (summary === undefined) return;
    await this.#note('info', `${basename(next.file)} changed: ${summary}`);

    const replaced = new Set([...plan.removed, ...plan.changed.map((c) => c.name)]);
    const shrunk = new Map(plan.rescaled.map((r) => [r.name, r.to]));
    const leaving = this.replicas.filter(
      (r) =>
        replaced.has(r.server) ||
        (r.session === undefined && r.replica >= (shrunk.get(r.server) ?? Infinity)),
    );
    for (const replica of leaving) this.replicas.splice(this.replicas.indexOf(replica), 1);
    this.options.onChange?.();
    const stopped = Promise.all(leaving.map((r) => this.#stopReplica(r))).then(() => undefined);
    this.#leaving.add(stopped);
    await stopped.finally(() => this.#leaving.delete(stopped));

    await this.#warnUnsetEnv([...plan.added, ...plan.changed.map((c) => c.name)]);
    const fresh: Replica[] = [];
    for (const name of [...plan.added, ...plan.changed.map((c) => c.name)]) {
      const server = after.get(name);
      if (server === undefined) continue;
      for (let i = 0; i < server.replicas; i++) fresh.push(this.#replica(server, i));
    }
    for (const { name, from, to } of plan.rescaled) {
      const server = after.get(name);
      if (server === undefined) continue;
      for (let i = from; i < to; i++) fresh.push(this.#replica(server, i));
    }
    if (this.#stopping) return;
    // In the manifest's order, so that status lists servers as mcpx.json does.
    const order = [...after.keys()];
    this.replicas.push(...fresh);
    this.options.onChange?.();
    this.replicas.sort(
      (a, b) => order.indexOf(a.server) - order.indexOf(b.server) || a.replica - b.replica,
    );
    await Promise.all(fresh.map((replica) => replica.start()));
    // Servers came and went, or their folders changed: watch the files of those that run now.
    if (!this.#stopping) await this.#watchFiles();
  }

  async reload(server: string): Promise<void> {
    const replicas = this.replicas.filter((r) => r.server === server);
    await this.#note(
      'info',
      `${server}: files changed, reloading ${replicas.length === 1 ? '' : `${replicas.length} replicas `}`.trimEnd(),
      server,
    );
    // From the first change on, each replica keeps a warm standby for the next one.
    for (const replica of replicas) this.#standbys.get(replica)?.arm();
    await Promise.all(replicas.map((replica) => replica.reload()));
  }

  /**
   * Restarts every replica of `server` (or all, for undefined); the number restarted. Throws an
   * McpxError (exit 1) naming each replica that did not become ready again, and why.
   */
  async restart(server?: string): Promise<number> {
    const replicas = this.replicas.filter((r) => server === undefined || r.server === server);
    if (server !== undefined && replicas.length === 0) {
      throw new McpxError(`No running server named "${server}".`, {
        hint: `use one of: ${[...new Set(this.replicas.map((r) => r.server))].join(', ')}`,
      });
    }
    await Promise.all(replicas.map((replica) => replica.restart()));
    const failed = replicas.filter((r) => r.state !== 'ready');
    if (failed.length > 0) {
      const count = (name: string): number => replicas.filter((r) => r.server === name).length;
      const reasons = failed.map(
        (r) =>
          `${replicaLabel(r.server, r.replica, count(r.server))}: ${r.snapshot().lastError ?? r.state}`,
      );
      throw new McpxError(
        `Restarting ${server ?? 'the cluster'} failed: ${failed.length} of ${replicas.length} did not start again. ${reasons.join('; ')}`,
        {
          hint: `fix the cause, then run \`mcpx restart ${server ?? '<server>'}\` again; \`mcpx logs -s ${failed[0]?.server ?? server ?? '<server>'}\` shows its output`,
          exitCode: ExitCode.checkFailed,
        },
      );
    }
    return replicas.length;
  }

  /** The servers of the manifest as last read, with every default applied. */
  get servers(): ReadonlyMap<string, ServerConfig> {
    return this.#settings;
  }

  /**
   * isolation "session": starts an instance of `server` dedicated to one downstream session,
   * supervised like any replica (logs, health, restarts, reloads); resolves once it is ready or
   * failed. Stop it with `stopSessionReplica` when the session ends.
   */
  async startSessionReplica(server: string, session: string): Promise<Replica> {
    const config = this.#settings.get(server);
    if (config === undefined || this.#stopping)
      throw new McpxError(`No running server named "${server}".`);
    // Numbered from 100 on, apart from the pool, which an edit of mcpx.json may scale up.
    const used = this.replicas.filter((r) => r.server === server).map((r) => r.replica);
    const index = Math.max(SESSION_REPLICAS_FROM - 1, config.replicas - 1, ...used) + 1;
    const replica = this.#replica(config, index, session);
    this.replicas.push(replica);
    this.options.onChange?.();
    await replica.start();
    return replica;
  }

  async stopSessionReplica(replica: Replica): Promise<void> {
    const index = this.replicas.indexOf(replica);
    if (index >= 0) this.replicas.splice(index, 1);
    this.options.onChange?.();
    await this.#stopReplica(replica);
  }

  snapshot(): ClusterSnapshot {
    return {
      root: this.options.workspace.root,
      pid: process.pid,
      startedAt: this.startedAt.toISOString(),
      replicas: this.replicas.map((r) => {
        const standby = this.#standbys.get(r)?.snapshot();
        return standby === undefined ? r.snapshot() : { ...r.snapshot(), standby };
      }),
    };
  }

  /** Stops watching, then stops every replica with the shutdown ladder, all at once. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#manifestWatcher?.close();
    await this.#watcher?.close();
    await Promise.all([...this.replicas.map((r) => this.#stopReplica(r)), ...this.#leaving]);
    await this.#note(
      'info',
      `stopped ${this.replicas.length} server${this.replicas.length === 1 ? '' : 's'}`,
    );
  }

  /** A `${VAR}` in env or headers that is unset here starts the server with "" for it: say so. */
  async #warnUnsetEnv(names: readonly string[]): Promise<void> {
    for (const name of names) {
      const entry = this.#settings.get(name)?.entry;
      if (entry === undefined) continue;
      for (const variable of unsetEnvNames(entry, this.options.parentEnv ?? process.env)) {
        await this.#note(
          'warning',
          `env uses \${${variable}}, which is not set here; the server gets "" for it`,
          name,
        );
      }
    }
  }

  async #note(level: LogEvent['level'], msg: string, server = CLUSTER): Promise<void> {
    await this.options.onEvent({
      time: eventTime(this.#clock.now()),
      server,
      replica: 0,
      stream: 'mcpx',
      level,
      msg,
    });
  }
}
