// A real `mcpx gateway` (the gateway alone, over servers by URL) as a child process, with its JSON
// log lines, for test/e2e/gateway-remote.test.ts and test/faults/gateway-netns.test.ts.
import { type ChildProcess, spawn } from 'node:child_process';
import type { LogEvent } from '../../src/logs/event.js';
import { BIN, testPath } from './cli.js';
import { processGroupAlive, waitForExit } from './processes.js';
import { until } from './until.js';
import { fixture } from './workspace.js';

export interface RemoteGatewayProcess {
  child: ChildProcess;
  pid: number;
  /** Every stdout line parsed (each must be JSON: the test fails on one that is not). */
  events: LogEvent[];
  /** Lines of stdout that were not JSON, and stderr. */
  other: string[];
  /** Marks the end of the events so far: waitFor looks only at events after it. */
  mark(): number;
  waitFor(what: string, match: (event: LogEvent) => boolean, timeoutMs?: number): Promise<LogEvent>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last events and other lines, for a failure's message. */
  tail(): string;
  /** SIGTERM to its process group, SIGKILL after 15 s; resolves once nothing of the group runs. */
  stop(): Promise<void>;
}

/**
 * Starts `mcpx gateway <args>` in a process group of its own; `prefix` runs it through another
 * command (`ip netns exec <ns>`), which execs it: the pid is the gateway's.
 */
export function startRemoteGateway(
  args: readonly string[],
  options: { env?: Record<string, string>; prefix?: readonly string[] } = {},
): RemoteGatewayProcess {
  const command = [...(options.prefix ?? []), process.execPath, BIN, 'gateway', ...args];
  const child = spawn(command[0] as string, command.slice(1), {
    detached: true,
    env: { ...process.env, PATH: testPath(), NO_COLOR: '1', CI: 'true', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: LogEvent[] = [];
  const other: string[] = [];
  let marked = 0;
  const lines = (stream: NodeJS.ReadableStream | null, json: boolean): void => {
    let pending = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (text: string) => {
      const parts = (pending + text).split('\n');
      pending = parts.pop() ?? '';
      for (const line of parts) {
        if (line === '') continue;
        if (!json) {
          other.push(line);
          continue;
        }
        try {
          events.push(JSON.parse(line) as LogEvent);
        } catch {
          other.push(line);
        }
      }
    });
  };
  lines(child.stdout, true);
  lines(child.stderr, false);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const pid = child.pid ?? -1;
  const tail = (): string =>
    [...events.slice(-30).map((e) => JSON.stringify(e)), ...other.slice(-10)].join('\n');
  return {
    tail,
    child,
    pid,
    events,
    other,
    exited,
    mark: () => (marked = events.length),
    async waitFor(what, match, timeoutMs = 30_000) {
      const from = marked;
      let found: LogEvent | undefined;
      await until(what, () => (found = events.slice(from).find(match)) !== undefined, {
        timeoutMs,
      }).catch((error: unknown) => {
        throw new Error(`${String(error)}; gateway output:\n${tail()}`);
      });
      return found as LogEvent;
    },
    async stop() {
      if (!processGroupAlive(pid)) return;
      process.kill(-pid, 'SIGTERM');
      if (!(await waitForExit(pid, 15_000))) process.kill(-pid, 'SIGKILL');
      await until('the gateway process group to end', () => !processGroupAlive(pid), {
        timeoutMs: 15_000,
      });
    },
  };
}

/** GET `path` of the gateway with a bound: the answer's status and JSON body. */
export async function getJson(
  url: string,
  timeoutMs = 5000,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const lbServers: ChildProcess[] = [];

/**
 * The lb fixture over Streamable HTTP (its tools answer with its pid) in a process group of its
 * own, bound to LB_HOST:PORT of `env`; `prefix` runs it through `ip netns exec <ns>`. Resolves
 * once it listens; stopLbServers() stops every one started.
 */
export async function startLbServer(
  env: Record<string, string>,
  prefix: readonly string[] = [],
): Promise<ChildProcess> {
  const command = [...prefix, process.execPath, fixture('lb'), '--http'];
  const child = spawn(command[0] as string, command.slice(1), {
    detached: true,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  lbServers.push(child);
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (stderr.includes('ready on')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`lb fixture exited (${code}): ${stderr}`)));
  });
  return child;
}

/** Stops `child` (SIGTERM to its group, SIGKILL after 10 s) and waits until it is gone. */
export async function stopLbServer(child: ChildProcess): Promise<void> {
  const pid = child.pid ?? -1;
  if (!processGroupAlive(pid)) return;
  process.kill(-pid, 'SIGTERM');
  if (!(await waitForExit(pid, 10_000))) process.kill(-pid, 'SIGKILL');
  await until('the lb fixture to end', () => !processGroupAlive(pid), { timeoutMs: 10_000 });
}

export async function stopLbServers(): Promise<void> {
  for (const child of lbServers.splice(0)) await stopLbServer(child);
}
