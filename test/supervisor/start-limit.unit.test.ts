/** Bounded start concurrency, with fake timers: who starts when, and what frees a slot. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { isMcpxError } from '../../src/errors.js';
import {
  StartLimit,
  type StartLimitOptions,
  defaultStartLimit,
  limitStarts,
  startLimitFromEnv,
} from '../../src/supervisor/policies/start-limit.js';
import { fakeFactory } from '../helpers/fake-instances.js';
import type { InstanceHooks } from '../../src/supervisor/replica-deps.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Exactly `n` at once (as MCPX_START_CONCURRENCY sets it). */
const fixed = (n: number, holdMs = 5000): StartLimitOptions => ({
  concurrency: n,
  min: n,
  max: n,
  quickMs: 10_000,
  holdMs,
});

/** Settles pending promise callbacks without moving the fake clock. */
const settle = () => vi.advanceTimersByTimeAsync(0);

describe('StartLimit', () => {
  it('lets `concurrency` starts run, the rest wait in order; a release lets the next in', async () => {
    const limit = new StartLimit(fixed(2), systemClock);
    const order: number[] = [];
    const releases = new Map<number, () => void>();
    for (const n of [1, 2, 3, 4]) {
      void limit.acquire().then((release) => {
        order.push(n);
        releases.set(n, release);
      });
    }
    await settle();
    expect(order).toEqual([1, 2]);
    expect([limit.running, limit.waiting]).toEqual([2, 2]);
    releases.get(2)!();
    releases.get(2)!(); // a second release frees nothing more
    await settle();
    expect(order).toEqual([1, 2, 3]);
    expect([limit.running, limit.waiting]).toEqual([2, 1]);
  });

  it('frees the slot of a start that takes longer than holdMs, once', async () => {
    const limit = new StartLimit(fixed(1), systemClock);
    const release = await limit.acquire();
    let second = false;
    void limit.acquire().then(() => (second = true));
    await vi.advanceTimersByTimeAsync(4999);
    expect(second).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(second).toBe(true);
    // The slow start ends later: its release must not free a slot it no longer holds.
    release();
    expect(limit.running).toBe(1);
  });

  it('drops a waiting start whose signal aborts, with the signal reason', async () => {
    const limit = new StartLimit(fixed(1), systemClock);
    const release = await limit.acquire();
    const abort = new AbortController();
    const waiting = limit.acquire(abort.signal);
    abort.abort(new Error('superseded by a newer change'));
    await expect(waiting).rejects.toThrow('superseded by a newer change');
    expect(limit.waiting).toBe(0);
    release();
    expect(limit.running).toBe(0);
  });

  it('lets one more run at once after each quick start, and halves them after a slow one', async () => {
    const limit = new StartLimit(
      { concurrency: 2, min: 1, max: 4, quickMs: 1000, holdMs: 60_000 },
      systemClock,
    );
    const releases: (() => void)[] = [];
    for (let i = 0; i < 8; i++) void limit.acquire().then((release) => releases.push(release));
    await settle();
    expect(releases).toHaveLength(2);
    // Quick: 2 -> 3 at once, so two more start in the place of one.
    releases[0]!();
    await settle();
    expect([limit.concurrency, limit.running]).toEqual([3, 3]);
    releases[1]!();
    await settle();
    expect([limit.concurrency, limit.running]).toEqual([4, 4]);
    releases[2]!();
    await settle();
    // Never more than max.
    expect([limit.concurrency, limit.running, limit.waiting]).toEqual([4, 4, 1]);
    // Slow: 4 -> 2; the three still running finish before anyone else starts.
    await vi.advanceTimersByTimeAsync(1001);
    releases[3]!();
    await settle();
    expect([limit.concurrency, limit.running, limit.waiting]).toEqual([2, 3, 1]);
    releases[4]!(); // slow too: 2 -> 1 (min)
    releases[5]!();
    await settle();
    expect([limit.concurrency, limit.running, limit.waiting]).toEqual([1, 1, 1]);
  });

  it('defaults to two starts per core, at least 2; MCPX_START_CONCURRENCY sets it', () => {
    expect(defaultStartLimit(1).concurrency).toBe(2);
    expect(defaultStartLimit(8).concurrency).toBe(16);
    expect(startLimitFromEnv({ MCPX_START_CONCURRENCY: '3' })).toMatchObject({
      concurrency: 3,
      min: 3,
      max: 3,
    });
    expect(startLimitFromEnv({})).toEqual(defaultStartLimit());
    for (const bad of ['0', '-1', '2.5', 'many']) {
      let error: unknown;
      try {
        startLimitFromEnv({ MCPX_START_CONCURRENCY: bad });
      } catch (caught) {
        error = caught;
      }
      expect(isMcpxError(error) && error.exitCode).toBe(2);
      expect(String((error as Error).message)).toContain(`not "${bad}"`);
    }
  });
});

describe('limitStarts', () => {
  it('runs at most `concurrency` instance starts at once; a failed start frees its slot', async () => {
    const fake = fakeFactory(() => 'manual');
    const limited = limitStarts(fake.factory, new StartLimit(fixed(2, 60_000)));
    const hooks: InstanceHooks = {
      onEvent: () => undefined,
      onStarting: () => undefined,
      onSpawn: () => undefined,
      onExit: () => undefined,
    };
    const starts = [0, 1, 2, 3].map(() =>
      limited(hooks).then(
        () => 'ready',
        () => 'failed',
      ),
    );
    await settle();
    expect(fake.starts).toHaveLength(2);
    fake.starts[0]!.fail('exited with code 1');
    await settle();
    expect(fake.starts).toHaveLength(3);
    fake.starts[1]!.succeed();
    fake.starts[2]!.succeed();
    await settle();
    expect(fake.starts).toHaveLength(4);
    fake.starts[3]!.succeed();
    expect(await Promise.all(starts)).toEqual(['failed', 'ready', 'ready', 'ready']);
  });
});
