// A Replica of a remote (`url`) server with short real backoff policies: an outage is retried for as
// long as it lasts, never stopped by the crash-loop breaker, and the replica is ready again once the
// server (the real HTTP fixture, started by the test) answers.
import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { instanceFactory } from '../../src/supervisor/instance-factory.js';
import { Replica } from '../../src/supervisor/replica.js';
import type { InstanceEvent } from '../../src/supervisor/replica-deps.js';
import { freePort } from '../helpers/ports.js';
import { waitForExit } from '../helpers/processes.js';
import { until } from '../helpers/until.js';
import { fixture } from '../helpers/workspace.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

function remoteReplica(port: number, events: InstanceEvent[]): Replica {
  const url = `http://127.0.0.1:${port}/mcp`;
  const replica = new Replica('search', 0, 'http', {
    factory: instanceFactory({
      makeSpec: async () => ({
        server: 'search',
        replica: 0,
        transport: 'http',
        url,
        port,
        startTimeout: 5000,
        requestTimeout: 2000,
      }),
    }),
    canOverlap: true,
    remote: true,
    policies: {
      health: { interval: 100, timeout: 500, failures: 2 },
      backoff: { initial: 10, max: 40, factor: 2, stableAfter: 10_000 },
      crashLoop: { maxCrashes: 3, window: 60_000 },
      ladder: { graceMs: 100, termMs: 100 },
    },
    emit: (event) => void events.push(event),
  });
  cleanup.push(() => replica.stop());
  return replica;
}

async function httpFixture(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [fixture('good-http')], {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  cleanup.push(async () => {
    child.kill('SIGTERM');
    await waitForExit(child.pid ?? -1, 5000);
  });
  let text = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  await until('the fixture to listen', () => text.includes('ready on'), { timeoutMs: 20_000 });
  return child;
}

describe('Replica of a remote server', () => {
  it('stays unreachable through more failures than the crash-loop limit, says the cause once, and is ready when the server comes', async () => {
    const port = await freePort();
    const events: InstanceEvent[] = [];
    const replica = remoteReplica(port, events);
    await replica.start();
    expect(replica.state).toBe('unreachable');
    // Three times the crash-loop limit: a process server would be `crashed` long before.
    await until('9 attempts', () => replica.snapshot().restarts >= 9, { timeoutMs: 20_000 });
    expect(replica.state).toBe('unreachable');
    expect(replica.snapshot().lastError).toBe(
      `unreachable: connection refused at 127.0.0.1:${port} (tried Streamable HTTP)`,
    );
    const said = events.filter((e) => e.msg.startsWith('unreachable:'));
    expect(said).toHaveLength(1);
    expect(said[0]?.msg).toContain('trying again in 10 ms, and for as long as it takes');
    expect(events.some((e) => /Crash loop/.test(e.msg))).toBe(false);

    await httpFixture(port);
    await until('ready again', () => replica.state === 'ready', { timeoutMs: 20_000 });
    expect(replica.snapshot().counts?.tools).toBe(2);
  }, 60_000);
});
