// Instance with real child processes: what a crash report holds when the process is gone before
// its last stderr lines have been read.
import { afterEach, describe, expect, it } from 'vitest';
import { Instance, type InstanceSpec, StartError } from '../../src/supervisor/instance.js';
import { isAlive, waitForExit } from '../helpers/processes.js';

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

/** The StartError that `Instance.start` rejects with. */
async function startError(promise: Promise<Instance>): Promise<StartError> {
  const error: unknown = await promise.then(
    (instance) => instance,
    (reason: unknown) => reason,
  );
  if (!(error instanceof StartError))
    throw new Error(`expected a StartError, got ${String(error)}`);
  return error;
}

describe('Instance.start on a server that dies at start', () => {
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
      Instance.start(spec(script), {
        onEvent: (event) => slowSink(event),
      }),
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
    const error = await startError(Instance.start(spec(script), { onEvent }));
    expect(error.message).toBe('exited with code 4 before it was ready');
    expect(error.stderr[0]).toMatch(/^grandchild \d+$/);
    expect(started.size).toBe(1);
    // Not the grandchild's 30 s: only the drain cap (250 ms) on top of the server's 100 ms.
    expect(Date.now() - before).toBeLessThan(10_000);
  });
});
