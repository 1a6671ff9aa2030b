/** The supervisor's policies, one behaviour each, with fake timers: milliseconds instead of minutes. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { ExponentialBackoff } from '../../src/supervisor/policies/backoff.js';
import { CrashLoopBreaker } from '../../src/supervisor/policies/crash-loop.js';
import { Debouncer } from '../../src/supervisor/debounce.js';
import { HealthCheck } from '../../src/supervisor/policies/health-check.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('ExponentialBackoff', () => {
  it('doubles up to the cap and resets after a stable period', () => {
    const backoff = new ExponentialBackoff({
      initial: 100,
      factor: 2,
      max: 1000,
      stableAfter: 5000,
    });
    expect([1, 2, 3, 4, 5, 6].map(() => backoff.next())).toEqual([100, 200, 400, 800, 1000, 1000]);
    backoff.noteUptime(4999);
    expect(backoff.next()).toBe(1000);
    backoff.noteUptime(5000);
    expect(backoff.next()).toBe(100);
  });
});

describe('CrashLoopBreaker', () => {
  it('opens after N crashes within the window, not when they are spread out', () => {
    const breaker = new CrashLoopBreaker({ maxCrashes: 3, window: 1000 });
    expect(breaker.record(0)).toBe(false);
    expect(breaker.record(600)).toBe(false);
    expect(breaker.record(1200)).toBe(false); // the crash at 0 left the window
    expect(breaker.record(1300)).toBe(true);
    breaker.reset();
    expect(breaker.record(1400)).toBe(false);
  });
});

describe('Debouncer', () => {
  it('hands over every key once, 100 ms after the last one of a burst', () => {
    const flushed: string[][] = [];
    const debouncer = new Debouncer<string>(
      100,
      (keys) => flushed.push([...keys].sort()),
      systemClock,
    );
    debouncer.add('a');
    vi.advanceTimersByTime(60);
    debouncer.add('b');
    debouncer.add('a');
    vi.advanceTimersByTime(99);
    expect(flushed).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(flushed).toEqual([['a', 'b']]);
    debouncer.add('c');
    debouncer.cancel();
    vi.advanceTimersByTime(1000);
    expect(flushed).toEqual([['a', 'b']]);
  });
});

describe('Debouncer, leading', () => {
  it('hands over the first key of a quiet period at once, and a burst once more when it ends', () => {
    const flushed: [number, string[]][] = [];
    vi.setSystemTime(0);
    const debouncer = new Debouncer<string>(
      100,
      (keys) => flushed.push([Date.now(), [...keys].sort()]),
      systemClock,
      { leading: true },
    );
    debouncer.add('a');
    expect(flushed).toEqual([[0, ['a']]]);
    vi.advanceTimersByTime(30);
    debouncer.add('a');
    vi.advanceTimersByTime(30);
    debouncer.add('b');
    vi.advanceTimersByTime(99);
    expect(flushed).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(flushed).toEqual([
      [0, ['a']],
      [160, ['a', 'b']],
    ]);
    // A lone save after a quiet period: handed over at once, nothing trails.
    vi.advanceTimersByTime(500);
    debouncer.add('c');
    vi.advanceTimersByTime(1000);
    expect(flushed).toEqual([
      [0, ['a']],
      [160, ['a', 'b']],
      [660, ['c']],
    ]);
  });
});

describe('HealthCheck', () => {
  const options = { interval: 1000, timeout: 200, failures: 3 };

  it('is unhealthy after the threshold of failures in a row, once', async () => {
    const ping = vi.fn(() => Promise.reject(new Error('closed')));
    const onUnhealthy = vi.fn();
    const onFailure = vi.fn();
    const check = new HealthCheck(options, ping, { onUnhealthy, onFailure }, systemClock);
    check.start();
    await vi.advanceTimersByTimeAsync(2000);
    expect(onFailure).toHaveBeenCalledTimes(2);
    expect(onUnhealthy).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1000);
    expect(onUnhealthy).toHaveBeenCalledTimes(1);
    expect(onUnhealthy).toHaveBeenCalledWith(3, expect.any(Error));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(ping).toHaveBeenCalledTimes(3);
  });

  it('does not count a ping unanswered while the instance answered other requests (busy, not dead)', async () => {
    const ping = vi.fn(() => new Promise<void>(() => {}));
    let answered = 0;
    const onUnhealthy = vi.fn();
    const onFailure = vi.fn();
    new HealthCheck(
      options,
      ping,
      { onUnhealthy, onFailure, answered: () => answered },
      systemClock,
    ).start();
    // Three rounds (1000 ms interval + 200 ms timeout each), a call answered during each ping.
    for (let round = 0; round < 3; round++) {
      await vi.advanceTimersByTimeAsync(1100);
      answered++;
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(ping).toHaveBeenCalledTimes(3);
    expect(onFailure).not.toHaveBeenCalled();
    // Silence from then on: the threshold applies again.
    await vi.advanceTimersByTimeAsync(1200 * 3);
    expect(onFailure).toHaveBeenCalledTimes(3);
    expect(onUnhealthy).toHaveBeenCalledTimes(1);
  });

  it('counts a ping that hangs past the timeout as failed, and a success resets the count', async () => {
    const answers = ['hang', 'hang', 'ok', 'hang', 'hang', 'hang'];
    const ping = vi.fn(() =>
      answers.shift() === 'ok' ? Promise.resolve() : new Promise<void>(() => {}),
    );
    const onUnhealthy = vi.fn();
    new HealthCheck(options, ping, { onUnhealthy }, systemClock).start();
    // Each round: 1000 ms interval + 200 ms timeout.
    await vi.advanceTimersByTimeAsync(1200 * 2 + 1000 + 1200 * 2);
    expect(onUnhealthy).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1200);
    expect(onUnhealthy).toHaveBeenCalledTimes(1);
  });

  it('stops probing when stopped', async () => {
    const ping = vi.fn(() => Promise.resolve());
    const check = new HealthCheck(options, ping, { onUnhealthy: vi.fn() }, systemClock);
    check.start();
    await vi.advanceTimersByTimeAsync(2500);
    check.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(ping).toHaveBeenCalledTimes(2);
  });
});
