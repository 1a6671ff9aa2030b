import type { spawn as nodeSpawn } from 'node:child_process';
import { type Clock, systemClock } from './clock.js';
import {
  type ExitInfo,
  Instance,
  type InstanceEvent,
  type InstanceSpec,
  StartError,
  describeExit,
} from './instance.js';
import { type BackoffOptions, DEFAULT_BACKOFF, ExponentialBackoff } from './policies/backoff.js';
import {
  CrashLoopBreaker,
  type CrashLoopOptions,
  DEFAULT_CRASH_LOOP,
} from './policies/crash-loop.js';
import { describeConnectError } from './connect-error.js';
import { HealthCheck, type HealthOptions } from './policies/health-check.js';
import { DEFAULT_LADDER, type LadderOptions } from './policies/shutdown-ladder.js';
import type { ReloadResult, ReplicaSnapshot, ReplicaState } from './state.js';
import { countSurface, diffSurfaces, reloadParts } from '../server/surface.js';

export interface ReplicaPolicies {
  health: HealthOptions;
  backoff: BackoffOptions;
  crashLoop: CrashLoopOptions;
  ladder: LadderOptions;
}

export const DEFAULT_POLICIES: Omit<ReplicaPolicies, 'health'> = {
  backoff: DEFAULT_BACKOFF,
  crashLoop: DEFAULT_CRASH_LOOP,
  ladder: DEFAULT_LADDER,
};

export interface ReplicaDeps {
  /** A fresh spec for each instance: HTTP servers get a new free port each time. */
  makeSpec: () => Promise<InstanceSpec>;
  /** Whether two instances can run side by side (false for a fixed port): decides blue/green. */
  canOverlap: boolean;
  /**
   * A server given by `url`, which mcpx reaches but does not start: a failure is an outage, not a
   * crash of code that a file change could fix, so it is retried for as long as it lasts.
   */
  remote?: boolean;
  policies: ReplicaPolicies;
  emit: (event: InstanceEvent) => void | Promise<void>;
  clock?: Clock;
  spawn?: typeof nodeSpawn;
  /** Called with each instance that starts and stops, e.g. to keep pid files. */
  onInstance?: (instance: Instance, running: boolean) => void;
}

/**
 * One replica of one server over time: it starts instances, watches their health, restarts them
 * with backoff after a crash, stops restarting in a crash loop, and reloads blue/green. Operations
 * run one at a time, in order.
 */
export class Replica {
  #state: ReplicaState = 'stopped';
  #current: Instance | undefined;
  #health: HealthCheck | undefined;
  #timer: unknown;
  #queue: Promise<unknown> = Promise.resolve();
  #stopped = false;
  readonly #retiring = new Set<Promise<void>>();
  #supersede: AbortController | undefined;
  #restarts = 0;
  #lastReload: ReloadResult | undefined;
  #lastError: string | undefined;
  #readySince: number | undefined;
  #port: number | undefined;
  readonly #backoff: ExponentialBackoff;
  readonly #breaker: CrashLoopBreaker;
  readonly #clock: Clock;

  constructor(
    readonly server: string,
    readonly replica: number,
    readonly transport: 'stdio' | 'http',
    readonly deps: ReplicaDeps,
  ) {
    this.#backoff = new ExponentialBackoff(deps.policies.backoff);
    this.#breaker = new CrashLoopBreaker(deps.policies.crashLoop);
    this.#clock = deps.clock ?? systemClock;
  }

  get state(): ReplicaState {
    return this.#state;
  }

  get current(): Instance | undefined {
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
      this.#breaker.reset();
      this.#backoff.reset();
      this.#cancelTimer();
      await this.#retire(this.#current);
      this.#current = undefined;
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
        this.#breaker.reset();
        this.#backoff.reset();
        this.#cancelTimer();
        if (old !== undefined) await this.#retire(old);
        this.#current = undefined;
        const ok = await this.#launch();
        this.#lastReload = {
          at: new Date(this.#clock.now()).toISOString(),
          ok,
          message: ok ? 'started' : (this.#lastError ?? 'failed'),
        };
        return;
      }
      let next: Instance;
      try {
        next = await this.#startInstance(signal);
      } catch (error) {
        if (signal.aborted) return;
        const why =
          error instanceof StartError ? crashMessage(error.message, error.stderr) : String(error);
        this.#lastError = why;
        this.#lastReload = {
          at: new Date(this.#clock.now()).toISOString(),
          ok: false,
          message: why,
        };
        await this.deps.emit({
          stream: 'mcpx',
          level: 'error',
          msg: `reload failed, still serving the previous version: ${why}`,
        });
        return;
      }
      this.#health?.stop();
      this.#current = next;
      this.#becameReady(next);
      const changes = reloadParts(diffSurfaces(old.surface, next.surface));
      const message =
        changes.length === 0 ? 'same tools, resources and prompts' : changes.join('; ');
      this.#lastReload = { at: new Date(this.#clock.now()).toISOString(), ok: true, message };
      // The new instance serves from here on. The old one is stopped in the background: its
      // shutdown may take seconds, and the next reload must not wait for it (stop() does).
      this.#background(this.#retire(old));
      await this.deps.emit({
        stream: 'mcpx',
        level: 'info',
        msg:
          `reloaded in ${next.readyMs} ms: ${message}` +
          (changes.length === 0
            ? ''
            : ' (clients that ignore notifications/tools/list_changed must reconnect to see it)'),
        data: { changes },
      });
    });
  }

  /** Stops everything for good: timers, health checks, the instance (with the shutdown ladder). */
  stop(): Promise<void> {
    this.#stopped = true;
    this.#supersede?.abort();
    this.#cancelTimer();
    this.#health?.stop();
    return this.#enqueue(async () => {
      this.#state = 'stopping';
      await this.#retire(this.#current);
      this.#current = undefined;
      await Promise.all(this.#retiring);
      this.#state = 'stopped';
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
      transport: this.transport,
      pid: this.#current?.pid,
      port: this.#current?.port ?? this.#port,
      readySince:
        this.#readySince === undefined ? undefined : new Date(this.#readySince).toISOString(),
      readyMs: this.#current?.readyMs,
      restarts: this.#restarts,
      lastReload: this.#lastReload,
      counts: surface === undefined ? undefined : countSurface(surface),
      lastError: this.#lastError,
    };
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
    if (!(this.deps.remote === true && this.#state === 'unreachable')) this.#state = 'starting';
    try {
      const instance = await this.#startInstance();
      if (this.#stopped) {
        await this.#retire(instance);
        return false;
      }
      this.#current = instance;
      this.#becameReady(instance);
      return true;
    } catch (error) {
      const why =
        error instanceof StartError ? crashMessage(error.message, error.stderr) : String(error);
      await this.#failed(
        this.deps.remote === true ? `unreachable: ${why}` : `failed to start: ${why}`,
      );
      return false;
    }
  }

  async #startInstance(signal?: AbortSignal): Promise<Instance> {
    const spec = await this.deps.makeSpec();
    this.#port = spec.port;
    // Attempts to reach a remote server that is down are not news; its coming back is.
    const retrying = this.deps.remote === true && this.#state === 'unreachable';
    if (!retrying)
      await this.deps.emit({ stream: 'mcpx', level: 'debug', msg: describeStart(spec) });
    // An exit before start() resolves is start()'s to report; after that it is a crash.
    // eslint-disable-next-line prefer-const -- assigned after start() resolves; read by onExit before that
    let started: Instance | undefined;
    const crashed = (instance: Instance, exit: ExitInfo): void =>
      void this.#enqueue(() => this.#crashed(instance, exit));
    // Recorded from the spawn on, not from ready: an mcpx killed while a server starts must
    // leave a record for the next run to reap by.
    let spawned: Instance | undefined;
    const instance = await Instance.start(spec, {
      clock: this.deps.clock,
      spawn: this.deps.spawn,
      onEvent: this.deps.emit,
      ...(signal === undefined ? {} : { signal }),
      onSpawn: (instance) => {
        spawned = instance;
        this.deps.onInstance?.(instance, true);
      },
      onExit: (exit) => {
        if (started !== undefined) crashed(started, exit);
      },
    }).catch((error: unknown) => {
      // Start stopped it (and what it started) before rejecting.
      if (spawned !== undefined) this.deps.onInstance?.(spawned, false);
      throw error;
    });
    started = instance;
    if (instance.exitInfo !== undefined) crashed(instance, instance.exitInfo);
    return instance;
  }

  #becameReady(instance: Instance): void {
    this.#state = 'ready';
    // The next outage of a remote server starts again from the shortest delay.
    if (this.deps.remote === true) this.#backoff.reset();
    this.#readySince = this.#clock.now();
    const counts = countSurface(instance.surface);
    void this.deps.emit({
      stream: 'mcpx',
      level: 'info',
      msg: `ready in ${instance.readyMs} ms${instance.pid === undefined ? '' : ` (pid ${instance.pid}${instance.port === undefined ? '' : `, port ${instance.port}`})`}: ${counts.tools} tools, ${counts.resources + counts.resourceTemplates} resources, ${counts.prompts} prompts`,
    });
    const health = new HealthCheck(
      this.deps.policies.health,
      (timeout) => instance.ping(timeout),
      {
        onFailure: (failures, error) => {
          if (this.#current !== instance) return;
          this.#state = 'unhealthy';
          void this.deps.emit({
            stream: 'mcpx',
            level: 'warning',
            msg: `ping failed (${failures} in a row): ${this.#pingError(instance, error)}`,
          });
        },
        onUnhealthy: (failures, error) =>
          void this.#enqueue(async () => {
            if (this.#current !== instance) return;
            this.#current = undefined;
            await this.#retire(instance);
            await this.#failed(
              this.deps.remote === true
                ? `unreachable: ${failures} pings in a row failed, the last with ${this.#pingError(instance, error)}`
                : `unhealthy: ${failures} pings in a row got no answer; stopped it`,
            );
          }),
      },
      this.#clock,
    );
    this.#health = health;
    health.start();
  }

  async #crashed(instance: Instance, exit: ExitInfo): Promise<void> {
    if (this.#current !== instance || this.#stopped) return;
    this.#current = undefined;
    this.#health?.stop();
    // What it started may still run (and hold its port): end that before a restart.
    await this.#retire(instance);
    const uptime = this.#clock.now() - instance.startedAt;
    this.#backoff.noteUptime(uptime);
    if (uptime >= this.deps.policies.backoff.stableAfter) this.#breaker.reset();
    await this.#failed(`crashed: ${crashMessage(describeExit(exit), instance.stderrTail)}`);
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
    if (this.deps.remote === true) {
      const delay = this.#backoff.next();
      this.#state = 'unreachable';
      // The same outage is said once, not at every attempt; `mcpx status` shows it meanwhile.
      if (!repeated) {
        await this.deps.emit({
          stream: 'mcpx',
          level: 'error',
          msg: `${why}; trying again in ${delay} ms, and for as long as it takes`,
        });
      }
      this.#retryAfter(delay, 'unreachable');
      return;
    }
    if (this.#breaker.record(this.#clock.now())) {
      this.#state = 'crashed';
      await this.deps.emit({
        stream: 'mcpx',
        level: 'error',
        msg: `${why}. Crash loop: ${this.#breaker.count} failures within ${Math.round(this.deps.policies.crashLoop.window / 1000)} s, so it stays down until a file changes or \`mcpx restart ${this.server}\``,
      });
      return;
    }
    const delay = this.#backoff.next();
    this.#state = 'backoff';
    await this.deps.emit({
      stream: 'mcpx',
      level: 'error',
      msg: `${why}; restarting in ${delay} ms`,
    });
    this.#retryAfter(delay, 'backoff');
  }

  /** Starts again after `delay`, unless something else (a restart, a stop) happened meanwhile. */
  #retryAfter(delay: number, waiting: ReplicaState): void {
    this.#cancelTimer();
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      void this.#enqueue(async () => {
        if (this.#state !== waiting || this.#stopped) return;
        this.#restarts++;
        await this.#launch();
      });
    }, delay);
  }

  #pingError(instance: Instance, error: unknown): string {
    return this.deps.remote === true
      ? describeConnectError(error, instance.spec.url)
      : errorText(error);
  }

  async #retire(instance: Instance | undefined): Promise<void> {
    if (instance === undefined) return;
    if (instance === this.#current) this.#health?.stop();
    const step = await instance.stop(this.deps.policies.ladder);
    this.deps.onInstance?.(instance, false);
    if (instance.leftovers > 0) {
      await this.deps.emit({
        stream: 'mcpx',
        level: 'info',
        msg: `stopped ${instance.leftovers} process${instance.leftovers === 1 ? '' : 'es'} that pid ${instance.pid} had started and left running`,
      });
    }
    if (step === 'SIGKILL') {
      await this.deps.emit({
        stream: 'mcpx',
        level: 'warning',
        msg: `pid ${instance.pid} ignored stdin close and SIGTERM; killed it with SIGKILL`,
      });
    }
  }

  #cancelTimer(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/**
 * The exit plus the last meaningful stderr lines: stack frames, caret lines and Node's version
 * banner are left out, so an uncaught error shows its message and where it was thrown.
 */
function crashMessage(what: string, stderr: readonly string[]): string {
  const tail = stderr
    .filter((line) => line.trim() !== '' && !/^\s+at |^\s*\^+\s*$|^Node\.js v\d/.test(line))
    .slice(-5);
  return tail.length === 0 ? what : `${what}; last stderr: ${tail.join(' | ')}`;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** "starting node src/stdio.ts", "starting node src/http.ts on port 43117", "connecting to URL". */
function describeStart(spec: InstanceSpec): string {
  if (spec.launch === undefined) return `connecting to ${spec.url ?? '?'}`;
  const command = spec.launch.command === process.execPath ? 'node' : spec.launch.command;
  return `starting ${[command, ...spec.launch.args].join(' ')}${spec.port === undefined ? '' : ` on port ${spec.port}`}`;
}
