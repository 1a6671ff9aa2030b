import { type ChildProcess, spawn as nodeSpawn } from 'node:child_process';
import { connect } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type { LogEvent } from '../logs/event.js';
import { parseStderrLine } from '../logs/parse-line.js';
import { type Clock, sleep, systemClock } from './clock.js';
import { describeConnectError } from './connect-error.js';
import { readLines } from './lines.js';
import { type LadderOptions, type LadderStep, stopWithLadder } from './policies/shutdown-ladder.js';
import { ChildStdioTransport } from './stdio-transport.js';
import { stdoutAdvice } from './stdout-advice.js';
import { type Surface, listSurface } from './surface.js';

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
  /** Start to ready, at most. */
  startTimeout: number;
  /** Each MCP request during start-up (initialize, lists), at most. */
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
  #child: ChildProcess | undefined;
  #exit: ExitInfo | undefined;
  #stopping = false;

  private constructor(
    readonly spec: InstanceSpec,
    readonly client: Client,
    readonly deps: InstanceDeps,
  ) {
    const clock = deps.clock ?? systemClock;
    this.startedAt = clock.now();
    const spawn = deps.spawn ?? nodeSpawn;
    if (spec.launch === undefined) {
      this.exited = new Promise(() => {});
      return;
    }
    const child = spawn(spec.launch.command, spec.launch.args, {
      cwd: spec.launch.cwd,
      env: spec.launch.env,
      // Its own process group (setsid): the whole tree can be signalled, and a Ctrl-C in mcpx's
      // terminal does not reach the servers behind the supervisor's back.
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.#child = child;
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
        this.#exit ??= { code: null, signal: null, error };
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
    const instance = new Instance(spec, client, deps);
    const abort = new AbortController();
    try {
      const ready = instance.#connect(abort.signal);
      const failed = instance.exited.then((exit) => {
        throw new StartError(
          `${describeExit(exit)} before it was ready`,
          exit,
          instance.stderrTail,
        );
      });
      const timedOut = sleep(clock, spec.startTimeout, abort.signal).then(() => {
        throw new StartError(
          `not ready after ${spec.startTimeout} ms`,
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
          : `${describeExit(exit)} before it was ready`;
      throw new StartError(message, exit ?? instance.#exit, instance.stderrTail);
    } finally {
      abort.abort();
    }
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
        await waitForPort(spec.port, signal, this.deps.clock ?? systemClock);
      }
      transport = new StreamableHTTPClientTransport(new URL(spec.url), {
        requestInit: spec.headers === undefined ? undefined : { headers: spec.headers },
      });
    }
    await client.connect(transport, { timeout: spec.requestTimeout });
    this.protocolVersion = (transport as { protocolVersion?: string }).protocolVersion;
    if (spec.list !== false) this.surface = await listSurface(client, spec.requestTimeout);
  }

  /** MCP ping with a timeout: the health check. */
  async ping(timeout: number): Promise<void> {
    await this.client.ping({ timeout });
  }

  /** Stops the instance with the ladder (stdin, SIGTERM, SIGKILL to its process group). */
  async stop(ladder?: LadderOptions): Promise<LadderStep> {
    this.#stopping = true;
    const child = this.#child;
    if (child === undefined || this.#exit !== undefined) {
      await this.client.close().catch(() => undefined);
      return 'stdin';
    }
    const pid = child.pid;
    // An HTTP server sees its client's streams as work in flight: end them first, so that it can
    // stop as soon as its stdin closes.
    if (this.spec.transport === 'http') await this.client.close().catch(() => undefined);
    const step = await stopWithLadder(
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
    await this.client.close().catch(() => undefined);
    return step;
  }
}

/** "exited with code 3" / "was killed by SIGKILL" / "could not start: spawn x ENOENT". */
export function describeExit(exit: ExitInfo): string {
  if (exit.error !== undefined) return `could not start: ${exit.error.message}`;
  if (exit.signal !== null) return `was killed by ${exit.signal}`;
  return `exited with code ${exit.code ?? '?'}`;
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port. */
async function waitForPort(port: number, signal: AbortSignal, clock: Clock): Promise<void> {
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    // Refused connections cost microseconds; a short poll keeps this off a reload's critical path.
    await sleep(clock, 5, signal);
  }
}
