import { type Clock, systemClock } from '../clock.js';
import { HealthCheck } from './policies/health-check.js';
import { RestartOnCrash } from './policies/restart-on-crash.js';
import { DEFAULT_DRAIN_MS, type ReplicaDeps, type ReplicaInstance } from './replica-deps.js';
import {
  crashLoopMessage,
  crashMessage,
  errorText,
  readyMessage,
  reloadedEvent,
  retiredEvents,
  startFailure,
} from './replica-messages.js';
import type { ReloadResult, ReplicaSnapshot, ReplicaState } from './state.js';
import { countSurface, diffSurfaces, reloadParts } from '../server/surface.js';

/**
 * One replica of one server over time: it starts instances, watches their health, restarts them
 * with backoff after a crash, stops restarting in a crash loop, and reloads blue/green. Operations
 * run one at a time, in order.
 */
export class Replica {
  #state: ReplicaState = 'stopped';
  #current: ReplicaInstance | undefined;
  #health: HealthCheck | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #stopped = false;
  readonly #retiring = new Set<Promise<void>>();
  #supersede: AbortController | undefined;
  #restarts = 0;
  #lastReload: ReloadResult | undefined;
  #lastError: string | undefined;
  #readySince: number | undefined;
  #port: number | undefined;
  readonly #restartOnCrash: RestartOnCrash;
  readonly #clock: Clock;

  constructor(
    readonly server: string,
    readonly replica: number,
    readonly transport: 'stdio' | 'http' | 'sse',
    readonly deps: ReplicaDeps,
  ) {
    this.#clock = deps.clock ?? systemClock;
    this.#restartOnCrash = new RestartOnCrash(deps.policies, this.#clock, deps.remote === true);
  }

  get state(): ReplicaState {
    return this.#state;
  }

  /** isolation "session": the downstream gateway session this replica is dedicated to. */
  get session(): string | undefined {
    return this.deps.session;
  }

  #setState(state: ReplicaState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.deps.onChange?.();
  }

  #setCurrent(instance: ReplicaInstance | undefined): void {
    if (this.#current === instance) return;
    this.#current = instance;
    this.deps.onChange?.();
  }

  get current(): ReplicaInstance | undefined {
    return this.#current;
  }

  /** Starts the first instance. Resolves when it is ready or has failed (then backoff is running). */
  start(): Promise<void> {
    return this.#enqueue(async () => {
      await this.#launch();
    });
  }

  /** A manual restart (`mcpx restart`, the r key): resets the crash-loop breaker. */
  restart(): Promise<void> {
    return this.#enqueue(async () => {
      await this.deps.emit({ stream: 'mcpx', level: 'info', msg: 'restarting (requested)' });
      this.#restartOnCrash.reset();
      await this.#retire(this.#current);
      this.#setCurrent(undefined);
      this.#restarts++;
      await this.#launch();
    });
  }

  /**
   * A file changed: start the new code. Blue/green where two instances can run side by side: the
   * old instance serves until the new one is ready, and stays if the new one fails.
   */
  reload(): Promise<void> {
    // A newer change makes an older reload's new instance pointless: cancel it while it starts,
    // or skip it if it has not started yet.
    this.#supersede?.abort();
    const controller = new AbortController();
    this.#supersede = controller;
    const { signal } = controller;
    return this.#enqueue(async () => {
      if (signal.aborted) return;
      const old = this.#current;
      if (old === undefined || this.#state === 'crashed' || !this.deps.canOverlap) {
        this.#restartOnCrash.reset();
        if (old !== undefined) await this.#retire(old);
        this.#setCurrent(undefined);
        const ok = await this.#launch();
        this.#reloaded(ok, ok ? 'started' : (this.#lastError ?? 'failed'));
        return;
      }
      let next: ReplicaInstance;
      try {
        next = await this.#startInstance(signal);
      } catch (error) {
        if (signal.aborted) return;
        const why = startFailure(error);
        this.#lastError = why;
        this.#reloaded(false, why);
        await this.deps.emit({
          stream: 'mcpx',
          level: 'error',
          msg: `reload failed, still serving the previous version: ${why}`,
        });
        return;
      }
      this.#health?.stop();
      this.#setCurrent(next);
      this.#becameReady(next);
      const reloaded = reloadedEvent(next, reloadParts(diffSurfaces(old.surface, next.surface)));
      this.#reloaded(true, reloaded.summary);
      // The new instance serves from here on. The old one is stopped in the background: its
      // shutdown may take seconds, and the next reload must not wait for it (stop() does).
      this.#background(this.#retire(old, true));
      await this.deps.emit(reloaded.event);
    });
  }

  /** Stops everything for good: timers, health checks, the instance (with the shutdown ladder). */
  stop(): Promise<void> {
    this.#stopped = true;
    this.#supersede?.abort();
    this.#restartOnCrash.cancel();
    this.#health?.stop();
    return this.#enqueue(async () => {
      this.#setState('stopping');
      await this.#retire(this.#current);
      this.#setCurrent(undefined);
      await Promise.all(this.#retiring);
      this.#setState('stopped');
    });
  }

  /** Work that must finish before the replica counts as stopped, but that nothing else waits for. */
  #background(work: Promise<void>): void {
    this.#retiring.add(work);
    void work.finally(() => this.#retiring.delete(work));
  }

  snapshot(): ReplicaSnapshot {
    const surface = this.#current?.surface;
    return {
      server: this.server,
      replica: this.replica,
      state: this.#state,
      transport: this.#current?.transport ?? this.transport,
      pid: this.#current?.pid,
      port: this.#current?.port ?? this.#port,
      readySince:
        this.#readySince === undefined ? undefined : new Date(this.#readySince).toISOString(),
      readyMs: this.#current?.readyMs,
      restarts: this.#restarts,
      lastReload: this.#lastReload,
      counts: surface === undefined ? undefined : countSurface(surface),
      lastError: this.#lastError,
      calls: this.#current?.calls?.snapshot(),
      session: this.deps.session,
    };
  }

  #reloaded(ok: boolean, message: string): void {
    this.#lastReload = { at: new Date(this.#clock.now()).toISOString(), ok, message };
  }

  #enqueue<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(operation);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /** Starts an instance and makes it current; on failure, schedules a restart. True when ready. */
  async #launch(): Promise<boolean> {
    if (this.#stopped) return false;
    // A remote server stays `unreachable` while mcpx tries to reach it again.
    if (!(this.deps.remote === true && this.#state === 'unreachable')) this.#setState('starting');
    try {
      const instance = await this.#startInstance();
      if (this.#stopped) {
        await this.#retire(instance);
        return false;
      }
      this.#setCurrent(instance);
      this.#becameReady(instance);
      return true;
    } catch (error) {
      const why = startFailure(error);
      await this.#failed(
        this.deps.remote === true ? `unreachable: ${why}` : `failed to start: ${why}`,
      );
      return false;
    }
  }

  async #startInstance(signal?: AbortSignal): Promise<ReplicaInstance> {
    // Attempts to reach a remote server that is down are not news; its coming back is.
    const retrying = this.deps.remote === true && this.#state === 'unreachable';
    // An exit before the factory resolves is the factory's to report; after that it is a crash.
    let started = false;
    const crashed = (instance: ReplicaInstance, reason: string): void =>
      void this.#enqueue(() => this.#crashed(instance, reason));
    // Recorded from the spawn on, not from ready: an mcpx killed while a server starts must
    // leave a record for the next run to reap by.
    let spawned: ReplicaInstance | undefined;
    const instance = await this.deps
      .factory({
        onEvent: this.deps.emit,
        onStarting: async ({ description, port }) => {
          this.#port = port;
          if (!retrying) await this.deps.emit({ stream: 'mcpx', level: 'debug', msg: description });
        },
        onSpawn: (instance) => {
          spawned = instance;
          this.deps.onInstance?.(instance, true);
        },
        onExit: (reason) => {
          if (started) crashed(instance, reason);
        },
        onSurfaceChanged: (changes) => {
          if (this.#current !== instance) return;
          if (changes.length > 0)
            void this.deps.emit({
              stream: 'mcpx',
              level: 'info',
              msg: `listed again after its list_changed: ${changes.join('; ')}`,
            });
          this.deps.onChange?.();
        },
        signal,
      })
      .catch((error: unknown) => {
        // The factory stopped it (and what it started) before rejecting.
        if (spawned !== undefined) this.deps.onInstance?.(spawned, false);
        throw error;
      });
    started = true;
    if (instance.exitReason !== undefined) crashed(instance, instance.exitReason);
    return instance;
  }

  #becameReady(instance: ReplicaInstance): void {
    this.#setState('ready');
    this.#restartOnCrash.ready();
    this.#readySince = this.#clock.now();
    void this.deps.emit({ stream: 'mcpx', level: 'info', msg: readyMessage(instance) });
    const health = new HealthCheck(
      this.deps.policies.health,
      (timeout) => instance.ping(timeout),
      {
        answered: () => instance.calls?.answered ?? 0,
        onFailure: (failures, error) => {
          if (this.#current !== instance) return;
          this.#setState('unhealthy');
          void this.deps.emit({
            stream: 'mcpx',
            level: 'warning',
            msg: `ping failed (${failures} in a row): ${errorText(error)}`,
          });
        },
        onUnhealthy: (failures, error) =>
          void this.#enqueue(async () => {
            if (this.#current !== instance) return;
            this.#setCurrent(undefined);
            await this.#retire(instance);
            await this.#failed(
              this.deps.remote === true
                ? `unreachable: ${failures} pings in a row failed, the last with ${errorText(error)}`
                : `unhealthy: ${failures} pings in a row got no answer; stopped it`,
            );
          }),
      },
      this.#clock,
    );
    this.#health = health;
    health.start();
  }

  async #crashed(instance: ReplicaInstance, reason: string): Promise<void> {
    if (this.#current !== instance || this.#stopped) return;
    this.#setCurrent(undefined);
    this.#health?.stop();
    // What it started may still run (and hold its port): end that before a restart.
    await this.#retire(instance);
    this.#restartOnCrash.ended(this.#clock.now() - instance.startedAt);
    await this.#failed(`crashed: ${crashMessage(reason, instance.stderrTail)}`);
  }

  /**
   * After a failure: back off and start again, or open the crash-loop breaker. A remote server
   * has no breaker: it is tried again, at most every backoff.max ms, until it answers.
   */
  async #failed(why: string): Promise<void> {
    const repeated = this.#state === 'unreachable' && this.#lastError === why;
    this.#lastError = why;
    this.#readySince = undefined;
    if (this.#stopped) return;
    const waiting: ReplicaState = this.deps.remote === true ? 'unreachable' : 'backoff';
    const next = this.#restartOnCrash.failed(
      () =>
        void this.#enqueue(async () => {
          // A restart, a reload or a stop meanwhile has taken over.
          if (this.#state !== waiting || this.#stopped) return;
          this.#restarts++;
          await this.#launch();
        }),
    );
    if (!next.restart) {
      this.#setState('crashed');
      await this.deps.emit({
        stream: 'mcpx',
        level: 'error',
        msg: `${why}. ${crashLoopMessage(next.failures, this.deps.policies.crashLoop, this.server)}`,
      });
      return;
    }
    this.#setState(waiting);
    // The same outage is said once, not at every attempt; `mcpx status` shows it meanwhile.
    if (repeated) return;
    await this.deps.emit({
      stream: 'mcpx',
      level: 'error',
      msg:
        this.deps.remote === true
          ? `${why}; trying again in ${next.delay} ms, and for as long as it takes`
          : `${why}; restarting in ${next.delay} ms`,
    });
  }

  async #retire(instance: ReplicaInstance | undefined, drain = false): Promise<void> {
    if (instance === undefined) return;
    if (instance === this.#current) this.#health?.stop();
    // A reload's old instance first finishes the calls the gateway forwarded to it, within a bound.
    // (A crashed or hung one does not: its calls fail, or would wait for nothing.)
    if (drain) await instance.drain?.(this.deps.policies.drainMs ?? DEFAULT_DRAIN_MS);
    const step = await instance.stop(this.deps.policies.ladder);
    this.deps.onInstance?.(instance, false);
    for (const event of retiredEvents(instance, step)) await this.deps.emit(event);
  }
}
