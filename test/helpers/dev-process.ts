import { type ChildProcess, spawn } from 'node:child_process';
import { stripVTControlCharacters } from 'node:util';
import { BIN, testPath } from './cli.js';
import { processGroupAlive, waitForExit } from './processes.js';
import { until } from './until.js';

export interface WaitOptions {
  timeoutMs?: number;
  /** Only lines from this position on (a `mark()`); default: the last mark, or the start. */
  after?: number;
}

/** A real `mcpx dev` child process whose stdout lines a test can wait for. */
export interface DevProcess {
  child: ChildProcess;
  pid: number;
  lines: string[];
  /**
   * Marks the current end of the output and returns its position: later waitFor calls only look at
   * lines printed after it. Call it before the action whose effect a test waits for, so a line
   * that an earlier step printed cannot satisfy the wait.
   */
  mark(): number;
  /** Resolves with the first line after the mark (seen or to come) matching `pattern`. */
  waitFor(pattern: RegExp, options?: number | WaitOptions): Promise<string>;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * `detached`: mcpx dev leads a process group of its own, so that a test can signal the group it
 * started (`process.kill(-pid)`) as a terminal's Ctrl-C or a process manager would.
 */
export function startDevProcess(
  cwd: string,
  args: readonly string[] = [],
  options: { detached?: boolean; env?: NodeJS.ProcessEnv } = {},
): DevProcess {
  const child = spawn(process.execPath, [BIN, 'dev', ...args], {
    cwd,
    detached: options.detached ?? false,
    env: {
      ...process.env,
      PATH: testPath(),
      NO_COLOR: '1',
      FORCE_COLOR: '0',
      CI: 'true',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let lastMark = 0;
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  let pending = '';
  const onText = (text: string): void => {
    const parts = (pending + text).split('\n');
    pending = parts.pop() ?? '';
    for (const raw of parts) {
      const line = stripVTControlCharacters(raw);
      lines.push(line);
      for (const waiter of [...waiters]) {
        if (waiter.pattern.test(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    }
  };
  child.stdout?.setEncoding('utf8').on('data', onText);
  child.stderr?.setEncoding('utf8').on('data', onText);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    pid: child.pid ?? -1,
    lines,
    exited,
    mark: () => (lastMark = lines.length),
    waitFor: (pattern, options = {}) => {
      const { timeoutMs = 20_000, after = lastMark } =
        typeof options === 'number' ? { timeoutMs: options } : options;
      const seen = lines.slice(after).find((line) => pattern.test(line));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(
            new Error(
              `no line matching ${pattern} after line ${after} within ${timeoutMs} ms; output:\n${lines.slice(-40).join('\n')}`,
            ),
          );
        }, timeoutMs);
        waiters.push({
          pattern,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
      });
    },
  };
}

/**
 * Stops a `mcpx dev` started with `detached: true` as a terminal or a process manager would: SIGTERM
 * to its process group (SIGKILL if it has not exited after 15 s), then waits until nothing of the
 * group runs.
 */
export async function stopDevGroup(dev: DevProcess): Promise<void> {
  if (!processGroupAlive(dev.pid)) return;
  process.kill(-dev.pid, 'SIGTERM');
  if (!(await waitForExit(dev.pid, 15_000))) process.kill(-dev.pid, 'SIGKILL');
  await until('the process group of mcpx dev to end', () => !processGroupAlive(dev.pid), {
    timeoutMs: 15_000,
  });
}

/** The line `mcpx dev` prints once its gateway serves. */
export const GATEWAY_LINE = /gateway http:\/\/127\.0\.0\.1:\d+\/mcp/;

/**
 * `mcpx dev --no-watch` on a workspace with its gateway on a fixed port, in its own process group:
 * started, stopped and started again on the same port, as a user restarts it under a client.
 */
export class GatewayDev {
  #running: DevProcess | undefined;

  constructor(
    readonly ws: string,
    readonly port: number,
  ) {}

  /** Resolves once the gateway serves. */
  async start(): Promise<DevProcess> {
    const started = startDevProcess(this.ws, ['--no-watch', '--gateway-port', String(this.port)], {
      detached: true,
    });
    this.#running = started;
    await started.waitFor(GATEWAY_LINE, 60_000);
    return started;
  }

  /** Stops the whole process group (nothing if it is not running). */
  async stop(): Promise<void> {
    const running = this.#running;
    this.#running = undefined;
    if (running !== undefined) await stopDevGroup(running);
  }
}
