import { type ChildProcess, spawn as nodeSpawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type { LogEvent } from '../logs/event.js';
import { parseStderrLine } from '../logs/parse-line.js';
import { type Clock, sleep, systemClock } from './clock.js';
import { describeConnectError } from './connect-error.js';
import { readLines } from './lines.js';
import {
  DEFAULT_LADDER,
  type LadderOptions,
  type LadderStep,
  stopWithLadder,
} from './policies/shutdown-ladder.js';
import { portAnswers, portNotOwned, portTaken } from './port-owner.js';
import {
  MARKER_VAR,
  type TreeSelector,
  endTree,
  instanceMarker,
  processStartTime,
  treeMembers,
} from './process-tree.js';
import { ChildStdioTransport } from './stdio-transport.js';
import { stdoutAdvice } from './stdout-advice.js';
import { type Surface, listSurface } from '../server/surface.js';

/** Everything needed to start one instance of one replica. */
export interface InstanceSpec {
  server: string;
  replica: number;
  transport: 'stdio' | 'http';
  /** Absent for a server given by `url`, which mcpx connects to but does not start. */
  launch?: { command: string; args: string[]; cwd: string; env: Record<string, string> };
  /** HTTP: the port the server is told to use (PORT) or the port in `url`. */
  port?: number;
  /** HTTP: the endpoint URL. */
  url?: string;
  headers?: Record<string, string>;
  /** Start to ready, at most: spawn, port, initialize and lists together. */
  startTimeout: number;
  /** Each MCP request once it is ready, at most. */
  requestTimeout: number;
  /** Ready means listed too (default); false stops at initialize, for callers that list themselves. */
  list?: boolean;
}

/** An event from an instance, before the replica adds time, server and replica. */
export type InstanceEvent = Pick<LogEvent, 'stream' | 'level' | 'msg' | 'data'>;

export interface InstanceDeps {
  spawn?: typeof nodeSpawn;
  clock?: Clock;
  /** Called for every stderr line, MCP log message and stdout pollution; a promise pauses the source. */
  onEvent: (event: InstanceEvent) => void | Promise<void>;
  /** Called when a started instance dies. */
  onExit?: (exit: ExitInfo) => void;
  /** Called as soon as the process is spawned, before it is ready: e.g. to record its pid. */
  onSpawn?: (instance: Instance) => void;
  /** Aborting while it starts stops the instance: a newer reload superseded it. */
  signal?: AbortSignal;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Spawning failed (ENOENT for a missing command, ...). */
  error?: Error;
}

/** The last stderr lines kept for crash reports (a stack trace is long; its message comes first). */
const STDERR_TAIL = 40;

/** After a server exits, how long its last stderr lines may take to be read. */
const STDERR_DRAIN_MS = 250;

/** What a start is waiting for, to say what did not happen in time. */
type StartPhase = 'spawn' | 'port' | 'initialize' | 'list';

const PHASE_TEXT: Record<StartPhase, (spec: InstanceSpec) => string> = {
  spawn: () => 'did not start',
  port: (spec) => `did not listen on port ${spec.port ?? '?'}`,
  initialize: () => 'did not complete initialize',
  list: () => 'did not list its tools, resources and prompts',
};

/** Why an instance did not become ready: the exit, or a timeout, with the last stderr lines. */
export class StartError extends Error {
  constructor(
    message: string,
    readonly exit: ExitInfo | undefined,
    readonly stderr: readonly string[],
    /** Stopped on purpose (deps.signal), not a failure of the server. */
    readonly superseded = false,
  ) {
    super(message);
    this.name = 'StartError';
  }
}

/**
 * One running server process (or remote connection) with an MCP client session to it. `start`
 * resolves once the server is ready: process up, `initialize` done, its primitives listed.
 */
export class Instance {
  readonly startedAt: number;
  readyMs = 0;
  surface!: Surface;
  readonly stderrTail: string[] = [];
  /** Lines on a stdio server's stdout that were not JSON-RPC (the first 100). */
  readonly stdoutPollution: string[] = [];
  /** The protocol version agreed in initialize. */
  protocolVersion: string | undefined;
  readonly exited: Promise<ExitInfo>;
  /**
   * MCPX_INSTANCE in the server's environment, inherited by everything it starts: finds its
   * descendants after they leave its process group.
   */
  readonly marker: string | undefined;
  /** Processes of its tree still running after it exited, which stop() ended. */
  leftovers = 0;
  #child: ChildProcess | undefined;
  #exit: ExitInfo | undefined;
  #stopping = false;
  #stopped: Promise<LadderStep> | undefined;
  #phase: StartPhase = 'spawn';
  #stdoutEnded: Promise<void> = Promise.resolve();
  /** The server's /proc start time, read at the spawn: its descendants all started after it. */
  #startTick: Promise<string | undefined> = Promise.resolve(undefined);

  private constructor(
    readonly spec: InstanceSpec,
    readonly client: Client,
    readonly deps: InstanceDeps,
  ) {
    const clock = deps.clock ?? systemClock;
    this.startedAt = clock.now();
    const spawn = deps.spawn ?? nodeSpawn;
    const launch = spec.launch;
    if (launch === undefined) {
      this.exited = new Promise(() => {});
      return;
    }
    this.marker = instanceMarker();
    const child = spawn(launch.command, launch.args, {
      cwd: launch.cwd,
      env: { ...launch.env, [MARKER_VAR]: this.marker },
      // Its own process group (setsid): the whole tree can be signalled, and a Ctrl-C in mcpx's
      // terminal does not reach the servers behind the supervisor's back.
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.#child = child;
    if (child.pid !== undefined) {
      this.#startTick = processStartTime(child.pid);
      deps.onSpawn?.(this);
    }
    this.#stdoutEnded = new Promise((resolve) => {
      if (child.stdout === null) resolve();
      child.stdout?.once('close', resolve).once('end', resolve);
    });
    const stderrRead =
      child.stderr === null
        ? Promise.resolve()
        : readLines(child.stderr, (line) => {
            this.stderrTail.push(line);
            if (this.stderrTail.length > STDERR_TAIL) this.stderrTail.shift();
            return deps.onEvent({ stream: 'stderr', ...parseStderrLine(line) });
          }).catch(() => undefined);
    this.exited = new Promise((resolve) => {
      child.once('error', (error) => {
        this.#exit ??= { code: null, signal: null, error: spawnError(error, launch) };
        resolve(this.#exit);
      });
      child.once('exit', (code, signal) => {
        const exit = (this.#exit ??= { code, signal });
        // 'exit' can come before the last stderr lines, which are what a crash report is about.
        // Wait for them, but not for a grandchild that holds the pipe open.
        let timer: unknown;
        const capped = new Promise<void>((wake) => {
          timer = clock.setTimeout(wake, STDERR_DRAIN_MS);
        });
        void Promise.race([stderrRead, capped]).then(() => {
          clock.clearTimeout(timer);
          resolve(exit);
        });
      });
    });
    void this.exited.then((exit) => {
      if (!this.#stopping) deps.onExit?.(exit);
    });
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get port(): number | undefined {
    return this.spec.port;
  }

  get exitInfo(): ExitInfo | undefined {
    return this.#exit;
  }

  /** Starts the process and the MCP session; rejects with StartError (after cleaning up) if it does not become ready. */
  static async start(spec: InstanceSpec, deps: InstanceDeps): Promise<Instance> {
    const clock = deps.clock ?? systemClock;
    const client = new Client({ name: 'mcpx', version: '0.1.0' }, { capabilities: {} });
    client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
      const { level, data, logger } = notification.params;
      const msg = typeof data === 'string' ? data : JSON.stringify(data);
      return deps.onEvent({
        stream: 'mcp',
        level,
        msg: (logger === undefined ? msg : `${logger}: ${msg}`).replace(/\r?\n/g, ' '),
        data,
      });
    });
    await Instance.#checkPortFree(spec);
    const instance = new Instance(spec, client, deps);
    const abort = new AbortController();
    try {
      const ready = instance.#connect(abort.signal);
      const failed = instance.exited.then(async (exit) => {
        throw new StartError(await instance.#exitedEarly(exit), exit, instance.stderrTail);
      });
      const timedOut = sleep(clock, spec.startTimeout, abort.signal).then(() => {
        throw new StartError(
          `${PHASE_TEXT[instance.#phase](spec)} within ${spec.startTimeout} ms (the start timeout)`,
          undefined,
          instance.stderrTail,
        );
      });
      const superseded = new Promise<never>((_, reject) => {
        const stop = (): void =>
          reject(new StartError('superseded by a newer change', undefined, [], true));
        if (deps.signal?.aborted) stop();
        deps.signal?.addEventListener('abort', stop, { once: true });
        abort.signal.addEventListener('abort', () =>
          deps.signal?.removeEventListener('abort', stop),
        );
      });
      await Promise.race([ready, failed, timedOut, superseded]);
      instance.readyMs = Math.round(clock.now() - instance.startedAt);
      return instance;
    } catch (error) {
      if (error instanceof StartError) {
        await instance.stop({ graceMs: 0, termMs: 1000 }).catch(() => undefined);
        throw error;
      }
      // A dying server closes its pipes just before it exits, so "Connection closed" often wins
      // the race against the exit: give the exit a moment, since its code says more.
      const exit =
        spec.launch === undefined
          ? undefined
          : await Promise.race([
              instance.exited,
              sleep(clock, 200 + STDERR_DRAIN_MS).then(() => undefined),
            ]);
      await instance.stop({ graceMs: 0, termMs: 1000 }).catch(() => undefined);
      const message =
        exit === undefined
          ? spec.launch === undefined
            ? describeConnectError(error, spec.url)
            : error instanceof Error
              ? error.message
              : String(error)
          : await instance.#exitedEarly(exit);
      throw new StartError(message, exit ?? instance.#exit, instance.stderrTail);
    } finally {
      abort.abort();
    }
  }

  /**
   * Fails a start before anything is spawned when the fixed port is taken: the server would fail
   * to bind, and its health checks would reach the other process and pass.
   */
  static async #checkPortFree(spec: InstanceSpec): Promise<void> {
    if (spec.launch === undefined || spec.transport !== 'http' || spec.port === undefined) return;
    const taken = await portTaken(spec.port);
    if (taken !== undefined) throw new StartError(taken, undefined, []);
  }

  /** After initialize: the port must be held by this server's tree, not something that took it since. */
  async #checkPortOwner(port: number): Promise<void> {
    const pid = this.pid;
    if (pid === undefined) return;
    const members = await treeMembers(await this.#tree(pid));
    if (members === undefined) return;
    const problem = await portNotOwned(port, members);
    if (problem !== undefined) throw new StartError(problem, undefined, this.stderrTail);
  }

  /** Its process group and everything carrying its marker, started no earlier than the server. */
  async #tree(pid: number): Promise<TreeSelector> {
    return { pgid: pid, marker: this.marker, since: await this.#startTick };
  }

  /** "exited with code 0 before it was ready, after writing "hello" to stdout, ...". */
  async #exitedEarly(exit: ExitInfo): Promise<string> {
    // The exit can be seen before the last stdout lines are read: they may be the explanation.
    let timer: unknown;
    const clock = this.deps.clock ?? systemClock;
    await Promise.race([
      this.#stdoutEnded,
      new Promise<void>((wake) => {
        timer = clock.setTimeout(wake, STDERR_DRAIN_MS);
      }),
    ]);
    clock.clearTimeout(timer);
    // A spawn error says it never started; "before it was ready" is for a process that ran.
    const what =
      exit.error === undefined ? `${describeExit(exit)} before it was ready` : describeExit(exit);
    const lines = this.stdoutPollution;
    const first = lines[0];
    if (first === undefined) return what;
    const more =
      lines.length > 1 ? ` (and ${lines.length - 1} more line${lines.length > 2 ? 's' : ''})` : '';
    return `${what}, after writing ${JSON.stringify(first.slice(0, 200))}${more} to stdout, where only MCP messages may go`;
  }

  async #connect(signal: AbortSignal): Promise<void> {
    const { spec, client } = this;
    let transport: Transport;
    if (spec.transport === 'stdio') {
      const child = this.#child;
      if (child === undefined) throw new Error('a stdio server needs a command');
      transport = new ChildStdioTransport(child, (line) => {
        if (this.stdoutPollution.length < 100) this.stdoutPollution.push(line);
        void this.deps.onEvent({
          stream: 'mcpx',
          level: 'warning',
          msg: `wrote to stdout, which is the MCP protocol channel: ${JSON.stringify(line.slice(0, 200))}. Log to stderr instead (${stdoutAdvice(spec.launch?.command ?? '', spec.launch?.args ?? [])}), or clients may fail to parse its messages.`,
        });
      });
    } else {
      if (spec.url === undefined) throw new Error('an http server needs a url');
      if (spec.launch !== undefined && spec.port !== undefined) {
        this.#phase = 'port';
        await waitForPort(spec.port, signal, this.deps.clock ?? systemClock);
      }
      transport = new StreamableHTTPClientTransport(new URL(spec.url), {
        requestInit: spec.headers === undefined ? undefined : { headers: spec.headers },
      });
    }
    // The start timeout bounds the whole start (Instance.start races it): a server that needs
    // longer than one request's timeout to initialize (an npx download, heavy imports, a JVM)
    // must not fail at the request timeout first.
    this.#phase = 'initialize';
    await client.connect(transport, { timeout: spec.startTimeout });
    this.protocolVersion = (transport as { protocolVersion?: string }).protocolVersion;
    if (spec.launch !== undefined && spec.transport === 'http' && spec.port !== undefined)
      await this.#checkPortOwner(spec.port);
    this.#phase = 'list';
    if (spec.list !== false) this.surface = await listSurface(client, spec.startTimeout);
  }

  /** MCP ping with a timeout: the health check. */
  async ping(timeout: number): Promise<void> {
    await this.client.ping({ timeout });
  }

  /**
   * Stops the instance with the ladder (stdin, SIGTERM, SIGKILL to its process group), then ends
   * whatever it started that is still running, in its group or not (found by its marker): a
   * server that exits politely does not stop its children. Calls after the first share its result.
   */
  stop(ladder?: LadderOptions): Promise<LadderStep> {
    this.#stopping = true;
    this.#stopped ??= this.#stop(ladder ?? DEFAULT_LADDER);
    return this.#stopped;
  }

  async #stop(ladder: LadderOptions): Promise<LadderStep> {
    const child = this.#child;
    const pid = child?.pid;
    let step: LadderStep = 'stdin';
    if (child !== undefined && this.#exit === undefined) {
      // An HTTP server sees its client's streams as work in flight: end them first, so that it
      // can stop as soon as its stdin closes.
      if (this.spec.transport === 'http') await this.client.close().catch(() => undefined);
      step = await stopWithLadder(
        {
          exited: this.exited,
          closeStdin: () => {
            child.stdin?.end();
          },
          signal: (signal) => {
            if (pid === undefined) return;
            try {
              process.kill(-pid, signal);
            } catch {
              // ESRCH: the group is gone already.
            }
          },
        },
        ladder,
        this.deps.clock ?? systemClock,
      );
    }
    if (pid !== undefined) {
      this.leftovers = await endTree(
        await this.#tree(pid),
        ladder.termMs,
        this.deps.clock ?? systemClock,
      );
    }
    await this.client.close().catch(() => undefined);
    return step;
  }
}

/** "exited with code 3" / "was killed by SIGKILL" / "command "x" was not found on PATH". */
export function describeExit(exit: ExitInfo): string {
  if (exit.error !== undefined) return exit.error.message;
  if (exit.signal !== null) return `was killed by ${exit.signal}`;
  return `exited with code ${exit.code ?? '?'}`;
}

/** Says what a failed spawn means for the user: the folder, or the command, is missing. */
function spawnError(error: NodeJS.ErrnoException, launch: { command: string; cwd: string }): Error {
  const command = JSON.stringify(launch.command);
  if (!existsSync(launch.cwd))
    return new Error(`its folder ${launch.cwd} does not exist (check "cwd" in mcpx.json)`, {
      cause: error,
    });
  if (error.code === 'ENOENT') {
    return new Error(
      launch.command.includes('/')
        ? `command ${command} was not found (no such file)`
        : `command ${command} was not found on PATH`,
      { cause: error },
    );
  }
  if (error.code === 'EACCES')
    return new Error(`command ${command} is not executable (EACCES)`, { cause: error });
  return error;
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port. */
async function waitForPort(port: number, signal: AbortSignal, clock: Clock): Promise<void> {
  for (;;) {
    if (await portAnswers(port)) return;
    // Refused connections cost microseconds; a short poll keeps this off a reload's critical path.
    await sleep(clock, 5, signal);
  }
}
