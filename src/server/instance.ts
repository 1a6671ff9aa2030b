import type { spawn as nodeSpawn } from 'node:child_process';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { parseStderrLine } from '../logs/parse-line.js';
import { type Clock, sleep, systemClock } from '../clock.js';
import { type Attempt, describeAttempts, describeConnectError } from './connect-error.js';
import { listensItself, portNotOwned, portTaken, waitForPort } from './port-owner.js';
import {
  type ExitInfo,
  type Launch,
  type ProcessDeps,
  STDERR_DRAIN_MS,
  ServerProcess,
  describeExit,
} from './process.js';
import { treeMembers } from './process-tree.js';
import {
  McpSession,
  type ServerEvent,
  httpClientTransport,
  stdioClientTransport,
} from './session.js';
import { type LadderOptions, type LadderStep, DEFAULT_LADDER } from './stop-ladder.js';
import { MAX_MESSAGE } from './stdio-transport.js';
import { stdoutAdvice } from './stdout-advice.js';

/** Everything needed to start one instance of one replica. */
export interface InstanceSpec {
  server: string;
  replica: number;
  transport: 'stdio' | 'http' | 'sse';
  /** Absent for a server given by `url`, which mcpx connects to but does not start. */
  launch?: Launch;
  /** HTTP: the port the server is told to use (PORT) or the port in `url`. */
  port?: number;
  /** HTTP: the endpoint URL. */
  url?: string;
  headers?: Record<string, string>;
  /**
   * A `url` with no transport written: Streamable HTTP first, then legacy SSE when that answers
   * 400, 404 or 405, as the spec's backwards-compatibility section says.
   */
  detect?: boolean;
  /** Start to ready, at most: spawn, port, initialize and the caller's preparation together. */
  startTimeout: number;
  /** Each MCP request once it is ready, at most. */
  requestTimeout: number;
}

export interface StartDeps {
  spawn?: typeof nodeSpawn | undefined;
  clock?: Clock | undefined;
  /** Called for every stderr line, MCP log message and stdout pollution; a promise pauses the source. */
  onEvent: (event: ServerEvent) => void | Promise<void>;
  /** Called when a started instance dies, unless it was being stopped. */
  onExit?: ((exit: ExitInfo) => void) | undefined;
  /** Called as soon as the process is spawned, before it is ready: e.g. to record its pid. */
  onSpawn?: ((instance: ServerInstance) => void) | undefined;
  /** Aborting while it starts stops the instance: a newer reload superseded it. */
  signal?: AbortSignal | undefined;
  /** The session relays a downstream client's capabilities (see McpSession): the gateway runs. */
  relay?: boolean | undefined;
  /**
   * Makes the server's process (default: spawns it). A standby hands over its warm process here,
   * already running with the server's stdio pipes (see src/standby).
   */
  launcher?: ((launch: Launch, deps: ProcessDeps) => ServerProcess) | undefined;
}

/** What a start is waiting for, to say what did not happen in time. */
type StartPhase = 'spawn' | 'port' | 'initialize' | 'prepare';

const PHASE_TEXT: Record<StartPhase, (spec: InstanceSpec) => string> = {
  spawn: () => 'did not start',
  port: (spec) => `did not listen on port ${spec.port ?? '?'}`,
  initialize: () => 'did not complete initialize',
  prepare: () => 'did not list its tools, resources and prompts',
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

/** A ready instance and what the caller's preparation returned (mcpx dev: the listed surface). */
export interface Started<T> {
  instance: ServerInstance;
  prepared: T;
}

/**
 * One instance of a server: its process (none for a `url` server, which mcpx reaches but does not
 * start) and the MCP session to it. The supervisor, `mcpx smoke` and the gateway start servers
 * through here, and stop them with the same ladder.
 */
export class ServerInstance {
  readonly startedAt: number;
  readyMs = 0;
  readonly process: ServerProcess | undefined;
  readonly session: McpSession;
  /** Lines on a stdio server's stdout that were not JSON-RPC (the first 100). */
  readonly stdoutPollution: string[] = [];
  /** HTTP: each transport tried while connecting, and what answered that was not MCP. */
  readonly attempts: Attempt[] = [];
  #phase: StartPhase = 'spawn';
  #stopped: Promise<LadderStep> | undefined;

  private constructor(
    readonly spec: InstanceSpec,
    readonly deps: StartDeps,
  ) {
    this.startedAt = (deps.clock ?? systemClock).now();
    this.session = new McpSession(deps.onEvent, { relay: deps.relay });
    if (spec.launch === undefined) return;
    const process = (deps.launcher ?? ((launch, p) => new ServerProcess(launch, p)))(spec.launch, {
      spawn: deps.spawn,
      clock: deps.clock,
      onStderrLine: (line) => deps.onEvent({ stream: 'stderr', ...parseStderrLine(line) }),
    });
    this.process = process;
    if (process.pid !== undefined) deps.onSpawn?.(this);
    void process.exited.then((exit) => {
      if (this.#stopped === undefined) deps.onExit?.(exit);
    });
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  get port(): number | undefined {
    return this.spec.port;
  }

  /** The transport the session runs over: for a `url` with none written, the one that answered. */
  get transport(): 'stdio' | 'http' | 'sse' {
    return this.attempts.at(-1)?.transport ?? this.spec.transport;
  }

  get marker(): string | undefined {
    return this.process?.marker;
  }

  get exitInfo(): ExitInfo | undefined {
    return this.process?.exitInfo;
  }

  get stderrTail(): readonly string[] {
    return this.process?.stderrTail ?? [];
  }

  /** Processes of its tree still running after it exited, which stop() ended. */
  get leftovers(): number {
    return this.process?.leftovers ?? 0;
  }

  /**
   * Starts the process and the MCP session; `prepare` is the last step of the start (mcpx dev
   * lists the primitives there), under the same start timeout. Rejects with StartError (after
   * stopping what it started) if the instance does not become ready.
   */
  static async start<T>(
    spec: InstanceSpec,
    deps: StartDeps,
    prepare: (session: McpSession) => Promise<T>,
  ): Promise<Started<T>> {
    const clock = deps.clock ?? systemClock;
    await checkPortFree(spec);
    const instance = new ServerInstance(spec, deps);
    const { process } = instance;
    const abort = new AbortController();
    try {
      const ready = instance.#connect(abort.signal, prepare);
      // An exit before ready fails the start; a `url` server has no process to exit.
      const failed = process?.exited.then(async (exit): Promise<never> => {
        throw new StartError(await instance.#exitedEarly(exit), exit, instance.stderrTail);
      });
      const timedOut = sleep(clock, spec.startTimeout, abort.signal).then(() => {
        const answered = describeAttempts(instance.attempts, spec.url);
        throw new StartError(
          `${PHASE_TEXT[instance.#phase](spec)} within ${spec.startTimeout} ms (the start timeout)${answered === undefined ? '' : `; ${answered}`}`,
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
      const prepared = await Promise.race(
        failed === undefined
          ? [ready, timedOut, superseded]
          : [ready, failed, timedOut, superseded],
      );
      instance.readyMs = Math.round(clock.now() - instance.startedAt);
      return { instance, prepared };
    } catch (error) {
      throw await instance.#failedStart(error);
    } finally {
      abort.abort();
    }
  }

  /** Stops what a failed start left, and says why it failed. */
  async #failedStart(error: unknown): Promise<StartError> {
    const { process, spec } = this;
    if (error instanceof StartError) {
      await this.stop({ graceMs: 0, termMs: 1000 }).catch(() => undefined);
      return error;
    }
    // A dying server closes its pipes just before it exits, so "Connection closed" often wins
    // the race against the exit: give the exit a moment, since its code says more.
    const clock = this.deps.clock ?? systemClock;
    const exit =
      process === undefined
        ? undefined
        : await Promise.race([
            process.exited,
            sleep(clock, 200 + STDERR_DRAIN_MS).then(() => undefined),
          ]);
    await this.stop({ graceMs: 0, termMs: 1000 }).catch(() => undefined);
    const message =
      exit !== undefined
        ? await this.#exitedEarly(exit)
        : process === undefined || this.attempts.length > 0
          ? describeConnectError(error, spec.url, this.attempts)
          : error instanceof Error
            ? error.message
            : String(error);
    return new StartError(message, exit ?? process?.exitInfo, this.stderrTail);
  }

  /** "exited with code 0 before it was ready, after writing "hello" to stdout, ...". */
  async #exitedEarly(exit: ExitInfo): Promise<string> {
    // The exit can be seen before the last stdout lines are read: they may be the explanation.
    await this.process?.stdoutDrained();
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

  async #connect<T>(signal: AbortSignal, prepare: (session: McpSession) => Promise<T>): Promise<T> {
    const { spec, process, session } = this;
    if (spec.transport === 'stdio') {
      if (process === undefined) throw new Error('a stdio server needs a command');
      this.#phase = 'initialize';
      await this.#initialize(
        stdioClientTransport(process, (line, oversize) => this.#polluted(line, oversize)),
      );
    } else {
      if (spec.url === undefined) throw new Error('an http server needs a url');
      if (process !== undefined && spec.port !== undefined) {
        this.#phase = 'port';
        await waitForPort(spec.port, signal, this.deps.clock ?? systemClock);
      }
      this.#phase = 'initialize';
      await this.#connectHttp(spec.url);
      if (process !== undefined && spec.port !== undefined)
        await checkPortOwner(process, spec.port, this.stderrTail);
    }
    this.#phase = 'prepare';
    return prepare(session);
  }

  // The start timeout bounds the whole start (start() races it): a server that needs longer than
  // one request's timeout to initialize (an npx download, heavy imports, a JVM) must not fail at
  // the request timeout first.
  #initialize(transport: Transport): Promise<void> {
    return this.session.initialize(transport, this.spec.startTimeout);
  }

  /** Streamable HTTP or SSE as the spec says; with `detect`, SSE when HTTP says it is not there. */
  async #connectHttp(url: string): Promise<void> {
    const { spec } = this;
    const kinds: ('http' | 'sse')[] = spec.detect
      ? ['http', 'sse']
      : [spec.transport === 'sse' ? 'sse' : 'http'];
    for (const kind of kinds) {
      const attempt: Attempt = { transport: kind, answers: [] };
      this.attempts.push(attempt);
      const transport = httpClientTransport(kind, url, spec.headers, (answer) =>
        attempt.answers.push(answer),
      );
      try {
        await this.#initialize(transport);
      } catch (error) {
        // A failed connect has closed the client (synchronously), so it can connect again.
        const fallback =
          kind === 'http' &&
          spec.detect === true &&
          error instanceof StreamableHTTPError &&
          FALLBACK_STATUS.has(error.code ?? 0);
        if (!fallback) throw error;
        continue;
      }
      if (spec.detect) void this.deps.onEvent(detectedEvent(this.attempts, url));
      return;
    }
  }

  #polluted(line: string, oversize: boolean): void {
    if (oversize) {
      void this.deps.onEvent({
        stream: 'mcpx',
        level: 'error',
        msg: `wrote a message of more than ${MAX_MESSAGE / 1024 / 1024} MiB to stdout, which mcpx does not read: the request it answers gets no answer (it begins ${JSON.stringify(line.slice(0, 120))})`,
      });
      return;
    }
    if (this.stdoutPollution.length < 100) this.stdoutPollution.push(line);
    const launch = this.spec.launch;
    void this.deps.onEvent({
      stream: 'mcpx',
      level: 'warning',
      msg: `wrote to stdout, which is the MCP protocol channel: ${JSON.stringify(line.slice(0, 200))}. Log to stderr instead (${stdoutAdvice(launch?.command ?? '', launch?.args ?? [])}), or clients may fail to parse its messages.`,
    });
  }

  /** MCP ping with a timeout: the health check. */
  ping(timeout: number): Promise<void> {
    return this.session.ping(timeout);
  }

  /**
   * Stops the process with the ladder and ends what it left running (see ServerProcess.stop),
   * then closes the session; a `url` server only has its session closed. Calls after the first
   * share its result.
   */
  stop(ladder: LadderOptions = DEFAULT_LADDER): Promise<LadderStep> {
    this.#stopped ??= this.#stop(ladder);
    return this.#stopped;
  }

  async #stop(ladder: LadderOptions): Promise<LadderStep> {
    const { process, session } = this;
    let step: LadderStep = 'stdin';
    if (process !== undefined) {
      // An HTTP server sees its client's streams as work in flight: end them first, so that it
      // can stop as soon as its stdin closes.
      if (this.spec.transport !== 'stdio' && process.exitInfo === undefined) await session.close();
      step = await process.stop(ladder);
    }
    await session.close();
    return step;
  }
}

/**
 * Fails a start before anything is spawned when the fixed port is taken: the server would fail
 * to bind, and its health checks would reach the other process and pass.
 */
async function checkPortFree(spec: InstanceSpec): Promise<void> {
  if (spec.launch === undefined || spec.transport === 'stdio' || spec.port === undefined) return;
  const taken = await portTaken(spec.port);
  if (taken !== undefined) throw new StartError(taken, undefined, []);
}

/** After initialize: the port must be held by this server's tree, not something that took it since. */
async function checkPortOwner(
  process: ServerProcess,
  port: number,
  stderr: readonly string[],
): Promise<void> {
  // The server listens itself: no need to list every process on the machine (tens of ms on a
  // busy one, on every reload's critical path).
  if (process.pid !== undefined && (await listensItself(port, process.pid))) return;
  const tree = await process.tree();
  if (tree === undefined) return;
  const members = await treeMembers(tree);
  if (members === undefined) return;
  const problem = await portNotOwned(port, members);
  if (problem !== undefined) throw new StartError(problem, undefined, stderr);
}

/** What a Streamable HTTP endpoint answers when it is not one: the spec's cue to try SSE. */
const FALLBACK_STATUS = new Set([400, 404, 405]);

/** Which transport a `url` without one answered over, and why SSE if it was SSE. */
function detectedEvent(attempts: readonly Attempt[], url: string): ServerEvent {
  const [first, last] = [attempts[0], attempts.at(-1)];
  if (last?.transport !== 'sse')
    return { stream: 'mcpx', level: 'info', msg: `${url} answered over Streamable HTTP` };
  const status = first?.answers[0]?.status;
  return {
    stream: 'mcpx',
    level: 'info',
    msg: `${url} answered over the legacy HTTP+SSE transport (Streamable HTTP got ${status ?? 'an error'}); set "type": "sse" in mcpx.json to skip the Streamable HTTP attempt`,
  };
}
