import { type ChildProcess, spawn as nodeSpawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type Clock, systemClock } from '../clock.js';
import { readLines } from './lines.js';
import {
  MARKER_VAR,
  type TreeSelector,
  endTree,
  instanceMarker,
  processStartTime,
} from './process-tree.js';
import {
  DEFAULT_LADDER,
  type LadderOptions,
  type LadderStep,
  stopWithLadder,
} from './stop-ladder.js';

/** How to start a server's process. */
export interface Launch {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Spawning failed (ENOENT for a missing command, ...). */
  error?: Error;
}

export interface ProcessDeps {
  spawn?: typeof nodeSpawn | undefined;
  clock?: Clock | undefined;
  /** Every stderr line, in order; a promise pauses the reading (backpressure reaches the server). */
  onStderrLine: (line: string) => void | Promise<void>;
  /** An IPC channel besides the pipes: a standby is told over it when to become the server. */
  ipc?: boolean | undefined;
}

/** The last stderr lines kept for crash reports (a stack trace is long; its message comes first). */
const STDERR_TAIL = 40;

/** After a server exits, how long its last stderr lines (or stdout lines) may take to be read. */
export const STDERR_DRAIN_MS = 250;

/**
 * One server process, in its own process group, with everything it starts marked by
 * MCPX_INSTANCE: its exit, its last stderr lines, and the one way to stop it (the stop ladder on
 * its group, then whatever of its tree is still running).
 */
export class ServerProcess {
  readonly child: ChildProcess;
  /**
   * MCPX_INSTANCE in the server's environment, inherited by everything it starts: finds its
   * descendants after they leave its process group.
   */
  readonly marker: string;
  /** Recent stderr lines, the last STDERR_TAIL of them in stderrTail. */
  readonly #tail: string[] = [];
  /** Resolves when the process has exited and its last stderr lines were read (or a drain cap). */
  readonly exited: Promise<ExitInfo>;
  /** Resolves when its stdout has ended: the last lines a crash report may quote are in. */
  readonly stdoutEnded: Promise<void>;
  /** Processes of its tree still running after it exited, which stop() ended. */
  leftovers = 0;
  #exit: ExitInfo | undefined;
  #stopped: Promise<LadderStep> | undefined;
  /** Where its stderr lines go: a standby's go to its owner until it becomes a server. */
  #onStderrLine: (line: string) => void | Promise<void>;
  /** The server's /proc start time, read at the spawn: its descendants all started after it. */
  readonly #startTick: Promise<string | undefined>;
  readonly #clock: Clock;

  constructor(launch: Launch, deps: ProcessDeps) {
    this.#clock = deps.clock ?? systemClock;
    this.marker = instanceMarker();
    this.#onStderrLine = deps.onStderrLine;
    const child = (deps.spawn ?? nodeSpawn)(launch.command, launch.args, {
      cwd: launch.cwd,
      env: { ...launch.env, [MARKER_VAR]: this.marker },
      // Its own process group (setsid): the whole tree can be signalled, and a Ctrl-C in mcpx's
      // terminal does not reach the servers behind the supervisor's back.
      detached: true,
      stdio: deps.ipc === true ? ['pipe', 'pipe', 'pipe', 'ipc'] : ['pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    this.#startTick =
      child.pid === undefined ? Promise.resolve(undefined) : processStartTime(child.pid);
    this.stdoutEnded = new Promise((resolve) => {
      if (child.stdout === null) resolve();
      child.stdout?.once('close', resolve).once('end', resolve);
    });
    const stderrRead =
      child.stderr === null
        ? Promise.resolve()
        : readLines(child.stderr, (line) => {
            // Trimmed now and then, not per line: a shift() per line of a flood was a
            // measurable part of what the line cost.
            if (this.#tail.push(line) >= 2 * STDERR_TAIL) this.#tail.splice(0, STDERR_TAIL);
            return this.#onStderrLine(line);
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
        void this.#drained(stderrRead).then(() => resolve(exit));
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** From now on its stderr lines go to `onStderrLine` (a standby that becomes a server). */
  redirectStderr(onStderrLine: (line: string) => void | Promise<void>): void {
    this.#onStderrLine = onStderrLine;
  }

  /** Its last stderr lines (up to STDERR_TAIL), for crash reports. */
  get stderrTail(): string[] {
    return this.#tail.slice(-STDERR_TAIL);
  }

  /** Set once it has exited (or failed to spawn). */
  get exitInfo(): ExitInfo | undefined {
    return this.#exit;
  }

  /** Whether stop() was called: an exit from here on is not a crash. */
  get stopping(): boolean {
    return this.#stopped !== undefined;
  }

  /** Its process group and everything carrying its marker, started no earlier than the server. */
  async tree(): Promise<TreeSelector | undefined> {
    const pid = this.pid;
    if (pid === undefined) return undefined;
    return { pgid: pid, marker: this.marker, since: await this.#startTick };
  }

  /** Waits for `read` (the last lines of a pipe), at most STDERR_DRAIN_MS. */
  async #drained(read: Promise<void>): Promise<void> {
    let timer: unknown;
    const capped = new Promise<void>((wake) => {
      timer = this.#clock.setTimeout(wake, STDERR_DRAIN_MS);
    });
    await Promise.race([read, capped]);
    this.#clock.clearTimeout(timer);
  }

  /** Resolves once its stdout has ended, or STDERR_DRAIN_MS later: the exit can be seen first. */
  stdoutDrained(): Promise<void> {
    return this.#drained(this.stdoutEnded);
  }

  /**
   * Stops it with the ladder (stdin, SIGTERM, SIGKILL to its process group), then ends whatever it
   * started that is still running, in its group or not (found by its marker): a server that exits
   * politely does not stop its children. Calls after the first share its result.
   */
  stop(ladder: LadderOptions = DEFAULT_LADDER): Promise<LadderStep> {
    this.#stopped ??= this.#stop(ladder);
    return this.#stopped;
  }

  async #stop(ladder: LadderOptions): Promise<LadderStep> {
    const { child } = this;
    const pid = child.pid;
    let step: LadderStep = 'stdin';
    if (this.#exit === undefined) {
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
        this.#clock,
      );
    }
    const tree = await this.tree();
    if (tree !== undefined) this.leftovers = await endTree(tree, ladder.termMs, this.#clock);
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
function spawnError(error: NodeJS.ErrnoException, launch: Launch): Error {
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
