import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

export type Message = Record<string, unknown>;

/** A fixture server spoken to line by line, to see exactly what it writes and when it exits. */
export interface RawServer {
  child: ChildProcess;
  pid: number;
  /** Every stdout line so far, JSON or not. */
  stdout: string[];
  /** All of stderr so far. */
  stderr(): string;
  /** Resolves with the first stderr line matching `pattern` (already seen or still to come). */
  stderrLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends a JSON-RPC request and resolves with its response (result or error). */
  request(method: string, params?: object, timeoutMs?: number): Promise<Message>;
  /** The MCP handshake: initialize, then notifications/initialized. */
  initialize(timeoutMs?: number): Promise<Message>;
  /** Resolves with the exit code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The test process's environment plus `env`: what a fixture server is started with. */
export function fixtureEnv(env: Record<string, string>): Record<string, string> {
  const inherited = Object.entries(process.env).filter(
    (entry): entry is [string, string] => entry[1] !== undefined,
  );
  return { ...Object.fromEntries(inherited), ...env };
}

/**
 * An SDK client transport for the TypeScript file `path`, run by the Node that runs the tests, with
 * its stderr collected. The process starts when a client connects.
 */
export function stdioFixtureTransport(
  path: string,
  env: Record<string, string> = {},
): { transport: StdioClientTransport; stderr: () => string } {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [path],
    env: fixtureEnv(env),
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return { transport, stderr: () => stderr };
}

/**
 * Starts the TypeScript file `path` with the Node that runs the tests and adds its pid to
 * `started`, for the test file to kill whatever is left. `clientName` is what initialize sends.
 */
export function startRawServer(
  path: string,
  options: { env?: Record<string, string>; started: Set<number>; clientName: string },
): RawServer {
  const name = path.replace(/^.*\//, '').replace(/\.ts$/, '');
  const child = spawn(process.execPath, [path], {
    env: fixtureEnv(options.env ?? {}),
    stdio: 'pipe',
  });
  if (child.pid === undefined) throw new Error(`could not start ${name}`);
  options.started.add(child.pid);
  const stdout: string[] = [];
  let stderr = '';
  const waiters: (() => void)[] = [];
  const wake = (): void => {
    for (const waiter of waiters.splice(0)) waiter();
  };
  createInterface({ input: child.stdout }).on('line', (line) => {
    stdout.push(line);
    wake();
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
    wake();
  });
  // A fixture that exits makes later writes fail; the tests look at exit codes instead.
  child.stdin.on('error', () => {});
  // 'close', not 'exit': on 'exit' the pipes may still hold output (Node's docs say so), and the
  // tests read stderr right after.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );

  /** Resolves once `check` returns a value, re-checking on every output; rejects after timeoutMs. */
  const until = <T>(what: string, check: () => T | undefined, timeoutMs: number): Promise<T> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ${name}: ${what} within ${timeoutMs} ms; stderr:\n${stderr}`)),
        timeoutMs,
      );
      const attempt = (): void => {
        const value = check();
        if (value === undefined) waiters.push(attempt);
        else {
          clearTimeout(timer);
          resolve(value);
        }
      };
      attempt();
    });

  const write = (message: object): void => {
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
  };
  let nextId = 1;
  const request = (method: string, params: object = {}, timeoutMs = 5000): Promise<Message> => {
    const id = nextId++;
    write({ id, method, params });
    return until(
      `answer to ${method}`,
      () =>
        stdout
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as Message)
          .find((message) => message.id === id),
      timeoutMs,
    );
  };

  return {
    child,
    pid: child.pid,
    stdout,
    stderr: () => stderr,
    stderrLine: (pattern, timeoutMs = 10_000) =>
      until(
        `stderr line matching ${pattern}`,
        () => stderr.split('\n').find((line) => pattern.test(line)),
        timeoutMs,
      ),
    request,
    initialize: async (timeoutMs) => {
      const params = {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: options.clientName, version: '0.0.0' },
      };
      // The first request waits for the process to start too (Node, the SDK): slow on a loaded machine.
      const response = await request('initialize', params, timeoutMs ?? 20_000);
      write({ method: 'notifications/initialized' });
      return response;
    },
    exited,
  };
}
