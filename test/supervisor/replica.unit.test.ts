/**
 * The Replica state machine with fake instances and fake timers: crashes, backoff, the crash-loop
 * breaker, health checks and reloads, in milliseconds. test/e2e/dev.test.ts checks the wiring to
 * real processes once.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Replica } from '../../src/supervisor/replica.js';
import { DEFAULT_POLICIES, type InstanceEvent } from '../../src/supervisor/replica-deps.js';
import {
  type FakeFactory,
  type Script,
  fakeFactory,
  toolsSurface,
} from '../helpers/fake-instances.js';

const replicas: Replica[] = [];

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(async () => {
  await Promise.all(replicas.splice(0).map((replica) => replica.stop()));
  vi.useRealTimers();
});

/** Lets every promise chain the last step started run to its end, with no time passing. */
const settle = async (): Promise<void> => {
  await vi.advanceTimersByTimeAsync(0);
};

function setup(script: Script, options: { canOverlap?: boolean; remote?: boolean } = {}) {
  const fake: FakeFactory = fakeFactory(script);
  const events: InstanceEvent[] = [];
  const replica = new Replica('docs', 0, 'stdio', {
    factory: fake.factory,
    canOverlap: options.canOverlap ?? true,
    remote: options.remote ?? false,
    policies: { ...DEFAULT_POLICIES, health: { interval: 1000, timeout: 500, failures: 3 } },
    emit: (event) => void events.push(event),
  });
  replicas.push(replica);
  /** The messages matching `pattern`, in order. */
  const said = (pattern: RegExp): string[] =>
    events.map((event) => event.msg).filter((msg) => pattern.test(msg));
  return { fake, replica, said };
}

describe('restart on crash', () => {
  it('stops what crashed, starts it again after a backoff that doubles, and from 250 ms again after a stable run', async () => {
    const { fake, replica, said } = setup(() => 'ready');
    await replica.start();
    expect(replica.state).toBe('ready');

    fake.instance(1).crash('exited with code 1', ['Error: boom', '    at main (server.js:3:9)']);
    await settle();
    expect(replica.state).toBe('backoff');
    expect(said(/^crashed/)).toEqual([
      'crashed: exited with code 1; last stderr: Error: boom; restarting in 250 ms',
    ]);
    expect(fake.log).toEqual(['start 1', 'ready 1', 'exit 1', 'stop 1']);
    await vi.advanceTimersByTimeAsync(249);
    expect(fake.starts).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fake.log.slice(4)).toEqual(['start 2', 'ready 2']);
    expect(replica.state).toBe('ready');
    expect(replica.snapshot().restarts).toBe(1);

    fake.instance(2).crash();
    await settle();
    expect(said(/^crashed/).at(-1)).toBe('crashed: exited with code 1; restarting in 500 ms');
    await vi.advanceTimersByTimeAsync(500);
    expect(replica.current).toBe(fake.instance(3));

    // Ten seconds up counts as stable: the next crash is a new story.
    await vi.advanceTimersByTimeAsync(10_000);
    fake.instance(3).crash();
    await settle();
    expect(said(/^crashed/).at(-1)).toBe('crashed: exited with code 1; restarting in 250 ms');
  });

  it('a stop during the backoff cancels the restart', async () => {
    const { fake, replica } = setup(() => 'ready');
    await replica.start();
    fake.instance(1).crash();
    await settle();
    expect(replica.state).toBe('backoff');
    await replica.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fake.starts).toHaveLength(1);
    expect(replica.state).toBe('stopped');
  });
});

describe('the crash-loop breaker', () => {
  it('after 5 failed starts within 30 s it stays down, and says so, until `mcpx restart`', async () => {
    let outcome: 'fail' | 'ready' = 'fail';
    const { fake, replica, said } = setup(() => outcome);
    await replica.start();
    for (const delay of [250, 500, 1000, 2000]) {
      expect(replica.state).toBe('backoff');
      await vi.advanceTimersByTimeAsync(delay);
    }
    expect(fake.starts).toHaveLength(5);
    expect(replica.state).toBe('crashed');
    expect(said(/Crash loop/)).toEqual([
      'failed to start: exited with code 3 before it was ready; last stderr: ERROR cannot open database: ENOENT /nope. Crash loop: 5 failures within 30 s, so it stays down until a file changes or `mcpx restart docs`',
    ]);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(fake.starts).toHaveLength(5);

    outcome = 'ready';
    await replica.restart();
    expect(fake.starts).toHaveLength(6);
    expect(replica.state).toBe('ready');
  });
});

describe('health checks', () => {
  it('marks an instance that stops answering pings unhealthy, stops it at the threshold, and starts it again after the backoff', async () => {
    const { fake, replica, said } = setup(() => 'ready');
    await replica.start();
    fake.instance(1).pings = 'hang';
    // A ping every 1000 ms, each failing after its 500 ms timeout.
    await vi.advanceTimersByTimeAsync(1500);
    expect(replica.state).toBe('unhealthy');
    expect(said(/^ping failed/)).toEqual(['ping failed (1 in a row): no answer within 500 ms']);
    expect(fake.instance(1).stopped).toBe(false);

    await vi.advanceTimersByTimeAsync(3000);
    expect(fake.instance(1).stopped).toBe(true);
    expect(replica.state).toBe('backoff');
    expect(said(/^unhealthy/)).toEqual([
      'unhealthy: 3 pings in a row got no answer; stopped it; restarting in 250 ms',
    ]);

    await vi.advanceTimersByTimeAsync(250);
    expect(replica.current).toBe(fake.instance(2));
    expect(replica.state).toBe('ready');
    expect(replica.snapshot().restarts).toBe(1);
    // The old instance's health check ended with it; the new one answers.
    await vi.advanceTimersByTimeAsync(10_000);
    expect(said(/^ping failed/)).toHaveLength(3);
    expect(fake.instance(2).pinged).toBe(10);
  });
});

describe('reload', () => {
  it('blue/green: the old instance serves until the new one is ready, then stops; the reload says what changed', async () => {
    const { fake, replica, said } = setup((n) => (n === 1 ? 'ready' : 'manual'));
    await replica.start();
    fake.surface = toolsSurface('echo', 'get_forecast');
    const reloading = replica.reload();
    await vi.advanceTimersByTimeAsync(40);
    expect(fake.log).toEqual(['start 1', 'ready 1', 'start 2']);
    expect(replica.current).toBe(fake.instance(1));
    expect(replica.state).toBe('ready');

    fake.starts[1]?.succeed();
    await reloading;
    expect(replica.current).toBe(fake.instance(2));
    expect(fake.log.slice(3)).toEqual(['ready 2', 'stop 1']);
    expect(said(/^reloaded/)).toEqual([
      'reloaded in 40 ms: tools: +get_forecast (clients that ignore notifications/tools/list_changed must reconnect to see it)',
    ]);
    expect(replica.snapshot().lastReload).toMatchObject({
      ok: true,
      message: 'tools: +get_forecast',
    });
  });

  it('with a fixed port (no overlap): stops the old instance, then starts the new one', async () => {
    const { fake, replica } = setup((n) => (n === 1 ? 'ready' : 'manual'), { canOverlap: false });
    await replica.start();
    const reloading = replica.reload();
    await settle();
    expect(fake.log).toEqual(['start 1', 'ready 1', 'stop 1', 'start 2']);
    expect(replica.current).toBeUndefined();
    expect(replica.state).toBe('starting');

    fake.starts[1]?.succeed();
    await reloading;
    expect(replica.current).toBe(fake.instance(2));
    expect(replica.snapshot().lastReload).toMatchObject({ ok: true, message: 'started' });
  });

  it('a failed reload keeps the old instance serving, says why, and schedules no restart', async () => {
    const { fake, replica, said } = setup((n) => (n === 1 ? 'ready' : 'fail'));
    await replica.start();
    await replica.reload();
    expect(replica.current).toBe(fake.instance(1));
    expect(replica.state).toBe('ready');
    expect(fake.instance(1).stopped).toBe(false);
    const why =
      'exited with code 3 before it was ready; last stderr: ERROR cannot open database: ENOENT /nope';
    expect(said(/^reload failed/)).toEqual([
      `reload failed, still serving the previous version: ${why}`,
    ]);
    expect(replica.snapshot()).toMatchObject({
      lastReload: { ok: false, message: why },
      lastError: why,
    });

    const pinged = fake.instance(1).pinged;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(fake.starts).toHaveLength(2);
    expect(fake.instance(1).pinged).toBe(pinged + 30);
    expect(replica.state).toBe('ready');
  });

  it('a newer change supersedes a reload: its start is cancelled, a queued one skipped, one instance of the last code serves', async () => {
    const { fake, replica, said } = setup((n) => (n === 1 ? 'ready' : 'manual'));
    await replica.start();
    const first = replica.reload();
    await settle();
    expect(fake.starts).toHaveLength(2);

    const second = replica.reload();
    const third = replica.reload();
    await first;
    expect(fake.starts[1]?.signal?.aborted).toBe(true);
    await settle();
    // The second was superseded before it started: it never reached the factory.
    expect(fake.starts).toHaveLength(3);
    fake.starts[2]?.succeed();
    await Promise.all([second, third]);

    expect(replica.current).toBe(fake.instance(3));
    expect(fake.log).toEqual([
      'start 1',
      'ready 1',
      'start 2',
      'failed 2',
      'start 3',
      'ready 3',
      'stop 1',
    ]);
    expect(said(/^reload failed/)).toEqual([]);
    expect(said(/^reloaded/)).toHaveLength(1);
  });

  it('from the crash loop: a file change starts the server again with a fresh breaker', async () => {
    let outcome: 'fail' | 'ready' = 'fail';
    const { fake, replica } = setup(() => outcome);
    await replica.start();
    await vi.advanceTimersByTimeAsync(250 + 500 + 1000 + 2000);
    expect(replica.state).toBe('crashed');

    outcome = 'ready';
    await replica.reload();
    expect(fake.starts).toHaveLength(6);
    expect(replica.state).toBe('ready');
    expect(replica.snapshot().lastReload).toMatchObject({ ok: true, message: 'started' });
  });
});

describe('a remote (url) server', () => {
  it('stays unreachable past the crash-loop limit, retried at most every 10 s, says the cause once, and is ready when it answers', async () => {
    let up = false;
    const { fake, replica, said } = setup(
      () => (up ? 'ready' : { fail: 'connection refused at 127.0.0.1:4100' }),
      { remote: true },
    );
    await replica.start();
    await vi.advanceTimersByTimeAsync(60_000);
    // At 0, 0.25, 0.75, 1.75, 3.75, 7.75 and 15.75 s, then every 10 s (the backoff's cap).
    expect(fake.starts).toHaveLength(11);
    expect(replica.state).toBe('unreachable');
    expect(said(/unreachable/)).toEqual([
      'unreachable: connection refused at 127.0.0.1:4100; trying again in 250 ms, and for as long as it takes',
    ]);
    expect(said(/Crash loop/)).toEqual([]);

    up = true;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(replica.state).toBe('ready');
    expect(replica.snapshot().restarts).toBe(11);
  });
});
