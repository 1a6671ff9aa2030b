// ServerInstance with real child processes: what a crash report holds when the process is gone before
// its last stderr lines have been read.
import {
  type InstanceSpec,
  ServerInstance,
  type Started,
  StartError,
} from '../../src/server/instance.js';
import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { isAlive, waitForExit } from '../helpers/processes.js';
import { until } from '../helpers/until.js';
import { fixture } from '../helpers/workspace.js';

const started = new Set<number>();
afterEach(async () => {
  for (const pid of started) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  for (const pid of started) expect(await waitForExit(pid, 3000)).toBe(true);
  started.clear();
});

function spec(script: string): InstanceSpec {
  return {
    server: 'dying',
    replica: 0,
    transport: 'stdio',
    launch: { command: process.execPath, args: ['-e', script], cwd: process.cwd(), env: {} },
    startTimeout: 10_000,
    requestTimeout: 5_000,
  };
}

/** The StartError that `ServerInstance.start` rejects with. */
async function startError(promise: Promise<Started<void>>): Promise<StartError> {
  const error: unknown = await promise.then(
    (instance) => instance,
    (reason: unknown) => reason,
  );
  if (!(error instanceof StartError))
    throw new Error(`expected a StartError, got ${String(error)}`);
  return error;
}

describe('ServerInstance.start on a server that dies at start', () => {
  it('reports the exit with every stderr line, even when they are read after the exit', async () => {
    // A slow log sink pauses the reading of stderr (backpressure), so the exit is seen long
    // before the last lines are read.
    const seen: string[] = [];
    const slowSink = async (event: { msg: string }): Promise<void> => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      seen.push(event.msg);
    };
    const lines = Array.from({ length: 5 }, (_, i) => `line ${i}`);
    const script = `
      for (const line of ${JSON.stringify(lines)}) {
        process.stderr.write(line + '\\n');
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
      }
      process.stderr.write('ERROR cannot open database\\n');
      process.exit(3);
    `;
    const error = await startError(
      ServerInstance.start(spec(script), { onEvent: (event) => slowSink(event) }, async () => {}),
    );
    expect(error.message).toBe('exited with code 3 before it was ready');
    expect(error.exit).toEqual({ code: 3, signal: null });
    expect(error.stderr.at(-1)).toBe('ERROR cannot open database');
    expect(error.stderr).toEqual([...lines, 'ERROR cannot open database']);
  });

  it('does not wait for a grandchild that keeps the stderr pipe open', async () => {
    // The server starts a detached grandchild that inherits its stderr and outlives it.
    const script = `
      const { spawn } = require('node:child_process');
      const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], {
        stdio: ['ignore', 'ignore', 'inherit'],
        detached: true,
      });
      process.stderr.write('grandchild ' + child.pid + '\\n');
      child.unref();
      setTimeout(() => process.exit(4), 100);
    `;
    const onEvent = (event: { msg: string }): void => {
      const pid = /^grandchild (\d+)$/.exec(event.msg)?.[1];
      if (pid !== undefined) started.add(Number(pid));
    };
    const before = Date.now();
    const error = await startError(ServerInstance.start(spec(script), { onEvent }, async () => {}));
    expect(error.message).toBe('exited with code 4 before it was ready');
    expect(error.stderr[0]).toMatch(/^grandchild \d+$/);
    expect(started.size).toBe(1);
    // Not the grandchild's 30 s: only the drain cap (250 ms) on top of the server's 100 ms.
    expect(Date.now() - before).toBeLessThan(10_000);
  });
});

/** The real HTTP fixture on `port`, started (and stopped after the test) by the test itself. */
async function httpFixture(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [fixture('good-http')], {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  if (child.pid !== undefined) started.add(child.pid);
  let text = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  await until('the fixture to listen', () => text.includes('ready on'), { timeoutMs: 20_000 });
  return child;
}

function remote(port: number): InstanceSpec {
  return {
    server: 'remote',
    replica: 0,
    transport: 'http',
    url: `http://127.0.0.1:${port}/mcp`,
    port,
    startTimeout: 10_000,
    requestTimeout: 5_000,
  };
}

describe('ServerInstance of a url server', () => {
  it('has a session and no process; stopping it closes the session and leaves the server running', async () => {
    const port = await freePort();
    const server = await httpFixture(port);
    const { instance, prepared } = await ServerInstance.start(
      remote(port),
      { onEvent: () => undefined },
      (session) => session.list(5000),
    );
    expect(instance.process).toBeUndefined();
    expect(instance.pid).toBeUndefined();
    expect(instance.session.serverInfo?.name).toBe('good-http');
    expect(Object.keys(prepared.tools).sort()).toEqual(['add', 'echo']);
    await instance.ping(5000);
    expect(await instance.stop()).toBe('stdin');
    await expect(instance.ping(1000)).rejects.toThrow();
    expect(isAlive(server.pid ?? -1)).toBe(true);
  }, 30_000);

  it('fails its start saying why it cannot connect', async () => {
    const port = await freePort();
    const error = await startError(
      ServerInstance.start(remote(port), { onEvent: () => undefined }, async () => {}),
    );
    expect(error.message).toBe(`connection refused at 127.0.0.1:${port} (tried Streamable HTTP)`);
    expect(error.exit).toBeUndefined();
  });
});
