import type { Clock } from '../clock.js';
import { type BackoffOptions, DEFAULT_BACKOFF } from './policies/backoff.js';
import { type CrashLoopOptions, DEFAULT_CRASH_LOOP } from './policies/crash-loop.js';
import type { HealthOptions } from './policies/health-check.js';
import { DEFAULT_LADDER, type LadderOptions, type LadderStep } from '../server/stop-ladder.js';
import type { Surface } from '../server/surface.js';
import type { ServerEvent } from '../server/session.js';
import type { CallCounter, Upstream } from '../server/upstream.js';

// What a Replica is given: its policies, an instance factory, a clock, and where its events go.

export interface ReplicaPolicies {
  health: HealthOptions;
  backoff: BackoffOptions;
  crashLoop: CrashLoopOptions;
  ladder: LadderOptions;
  /** How long a reload's old instance may finish its calls in flight before it is stopped. */
  drainMs?: number;
}

/** Calls in flight on a reload's old instance finish within this, by default. */
export const DEFAULT_DRAIN_MS = 30_000;

export const DEFAULT_POLICIES: Omit<ReplicaPolicies, 'health'> = {
  backoff: DEFAULT_BACKOFF,
  crashLoop: DEFAULT_CRASH_LOOP,
  ladder: DEFAULT_LADDER,
};

export interface ReplicaDeps {
  /** Starts each instance; the real one (instance-factory.ts) picks a new free port each time. */
  factory: InstanceFactory;
  /** Whether two instances can run side by side (false for a fixed port): decides blue/green. */
  canOverlap: boolean;
  /**
   * A server given by `url`, which mcpx reaches but does not start: a failure is an outage, not a
   * crash of code that a file change could fix, so it is retried for as long as it lasts.
   */
  remote?: boolean;
  policies: ReplicaPolicies;
  emit: (event: InstanceEvent) => void | Promise<void>;
  /** Backoff, health checks and the crash-loop window run on it (default: real time). */
  clock?: Clock;
  /** Called with each instance that starts and stops, e.g. to keep pid files. */
  onInstance?: (instance: ReplicaInstance, running: boolean) => void;
  /** Called whenever its state, its current instance or that instance's surface changed. */
  onChange?: () => void;
  /** isolation "session": the downstream gateway session it is dedicated to. */
  session?: string;
}

/**
 * What a Replica needs of one instance of its server, and nothing more: the real one is a server
 * process with an MCP session (instance-factory.ts); unit tests drive the replica with fakes.
 */
export interface ReplicaInstance {
  /** Absent for a server given by `url`, which mcpx reaches but does not start. */
  readonly pid: number | undefined;
  readonly port: number | undefined;
  /** MCPX_INSTANCE in its environment: pid files keep it to find its descendants later. */
  readonly marker: string | undefined;
  /** Clock time of the start, for the uptime that tells a stable run from a crash loop. */
  readonly startedAt: number;
  /** Start to ready, in ms. */
  readonly readyMs: number;
  /** Its tools, resources and prompts as listed when it became ready. */
  readonly surface: Surface;
  /** Its last stderr lines: what a crash report quotes. */
  readonly stderrTail: readonly string[];
  /** How it ended ("exited with code 1"), once it has. */
  readonly exitReason: string | undefined;
  /** Processes it started and left running, which stop() had to end. */
  readonly leftovers: number;
  /** The health probe (MCP ping); rejects with an error whose message says why, for the user. */
  ping(timeoutMs: number): Promise<void>;
  /** Stops it with the shutdown ladder; the step that ended it. Later calls share the first. */
  stop(ladder: LadderOptions): Promise<LadderStep>;
  /** Resolves when its calls in flight have finished, or after `timeoutMs`. */
  drain?(timeoutMs: number): Promise<void>;
  /** Calls forwarded to it by the gateway (absent where there is none, as in unit tests' fakes). */
  readonly calls?: CallCounter | undefined;
  /** The MCP session the gateway forwards through (absent in unit tests' fakes). */
  readonly upstream?: Upstream | undefined;
}

/** An event from an instance, before the supervisor adds time, server and replica. */
export type InstanceEvent = ServerEvent;

/** How the replica hears of an instance while it starts and runs. */
export interface InstanceHooks {
  /** Stderr lines, MCP log messages, warnings; a promise pauses their source (backpressure). */
  onEvent: (event: InstanceEvent) => void | Promise<void>;
  /** Before anything starts: what will run ("starting node src/stdio.ts on port 43117"), and its port. */
  onStarting: (plan: { description: string; port: number | undefined }) => void | Promise<void>;
  /** As soon as a process exists, before it is ready: an mcpx killed meanwhile must leave a pid record. */
  onSpawn: (instance: ReplicaInstance) => void;
  /** It ended by itself (not through stop()); `reason` as in ReplicaInstance.exitReason. */
  onExit: (reason: string) => void;
  /** Listed again after the server's own list_changed; `changes` say what differs. */
  onSurfaceChanged?: (changes: string[]) => void;
  /** Aborted when a newer reload supersedes this start: the factory stops what it started and rejects. */
  signal?: AbortSignal | undefined;
}

/**
 * Starts the next instance of a replica; resolves once it is ready (initialized and listed).
 * Rejects with StartFailed when the server did not become ready, having stopped what it started.
 */
export type InstanceFactory = (hooks: InstanceHooks) => Promise<ReplicaInstance>;

/** A start that failed in the server: its exit, a timeout, a refused connection. */
export class StartFailed extends Error {
  constructor(
    message: string,
    /** The server's last stderr lines, which usually say why. */
    readonly stderr: readonly string[],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'StartFailed';
  }
}
