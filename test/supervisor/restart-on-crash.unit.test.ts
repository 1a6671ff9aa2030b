/** The restart-on-crash policy on a fake clock: when to start again, and when to stop trying. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { RestartOnCrash } from '../../src/supervisor/policies/restart-on-crash.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const options = {
  backoff: { initial: 100, max: 400, factor: 2, stableAfter: 5000 },
  crashLoop: { maxCrashes: 3, window: 10_000 },
};

describe('RestartOnCrash', () => {
  it('restarts after a growing delay, then opens the breaker; a reset starts afresh', () => {
    const policy = new RestartOnCrash(options, systemClock);
    let restarts = 0;
    const restart = (): void => void restarts++;
    expect(policy.failed(restart)).toEqual({ restart: true, delay: 100 });
    vi.advanceTimersByTime(99);
    expect(restarts).toBe(0);
    vi.advanceTimersByTime(1);
    expect(restarts).toBe(1);
    expect(policy.failed(restart)).toEqual({ restart: true, delay: 200 });
    vi.advanceTimersByTime(200);
    expect(policy.failed(restart)).toEqual({ restart: false, failures: 3 });
    vi.advanceTimersByTime(60_000);
    expect(restarts).toBe(2);

    policy.reset();
    expect(policy.failed(restart)).toEqual({ restart: true, delay: 100 });
  });

  it('forgets the failures before a stable run, but not those before a short one', () => {
    const policy = new RestartOnCrash(options, systemClock);
    const restart = (): void => undefined;
    policy.failed(restart);
    policy.failed(restart);
    policy.ended(4999);
    expect(policy.failed(restart)).toEqual({ restart: false, failures: 3 });

    policy.reset();
    policy.failed(restart);
    policy.failed(restart);
    policy.ended(5000);
    expect(policy.failed(restart)).toEqual({ restart: true, delay: 100 });
  });

  it('a remote server has no breaker: it is retried at most every backoff.max ms, and from the start once it was ready', () => {
    const policy = new RestartOnCrash(options, systemClock, true);
    const restart = (): void => undefined;
    const delays = Array.from({ length: 8 }, () => policy.failed(restart));
    expect(delays.map((d) => (d.restart ? d.delay : 'breaker'))).toEqual([
      100, 200, 400, 400, 400, 400, 400, 400,
    ]);
    policy.ready();
    expect(policy.failed(restart)).toEqual({ restart: true, delay: 100 });
  });

  it('cancel drops the pending restart', () => {
    const policy = new RestartOnCrash(options, systemClock);
    let restarts = 0;
    policy.failed(() => void restarts++);
    policy.cancel();
    vi.advanceTimersByTime(10_000);
    expect(restarts).toBe(0);
  });
});
