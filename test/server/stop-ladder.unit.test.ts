/** The one stop ladder, with fake timers: for a server process, and for a tree with no stdin. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type StoppableProcess, stopWithLadder } from '../../src/server/stop-ladder.js';
import { systemClock } from '../../src/clock.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('stopWithLadder', () => {
  /** A fake process that exits on the first of the steps in `exitsOn`. */
  function fakeProcess(
    exitsOn: 'stdin' | 'SIGTERM' | 'never',
  ): StoppableProcess & { log: string[] } {
    let exit: () => void = () => {};
    const log: string[] = [];
    return {
      log,
      exited: new Promise<void>((resolve) => {
        exit = resolve;
      }),
      closeStdin: () => {
        log.push(`stdin@${Date.now()}`);
        if (exitsOn === 'stdin') exit();
      },
      signal: (signal) => {
        log.push(`${signal}@${Date.now()}`);
        if ((exitsOn === 'SIGTERM' && signal === 'SIGTERM') || signal === 'SIGKILL') exit();
      },
    };
  }
  const ladder = { graceMs: 2000, termMs: 3000 };

  it('stops at closing stdin for a well-behaved server', async () => {
    vi.setSystemTime(0);
    const process = fakeProcess('stdin');
    await expect(stopWithLadder(process, ladder, systemClock)).resolves.toBe('stdin');
    expect(process.log).toEqual(['stdin@0']);
  });

  it('sends SIGTERM after the grace period', async () => {
    vi.setSystemTime(0);
    const process = fakeProcess('SIGTERM');
    const stopped = stopWithLadder(process, ladder, systemClock);
    await vi.advanceTimersByTimeAsync(2000);
    await expect(stopped).resolves.toBe('SIGTERM');
    expect(process.log).toEqual(['stdin@0', 'SIGTERM@2000']);
  });

  it('SIGKILLs a server that ignores stdin and SIGTERM', async () => {
    vi.setSystemTime(0);
    const process = fakeProcess('never');
    const stopped = stopWithLadder(process, ladder, systemClock);
    await vi.advanceTimersByTimeAsync(5000);
    await expect(stopped).resolves.toBe('SIGKILL');
    expect(process.log).toEqual(['stdin@0', 'SIGTERM@2000', 'SIGKILL@5000']);
  });
});

describe('stopWithLadder on what has no stdin', () => {
  /** A tree of processes that goes on SIGTERM, or never (a member that cannot be signalled). */
  function fakeTree(exitsOn: 'SIGTERM' | 'never'): StoppableProcess & { log: string[] } {
    let exit: () => void = () => {};
    const log: string[] = [];
    return {
      log,
      exited: new Promise<void>((resolve) => {
        exit = resolve;
      }),
      signal: (signal) => {
        log.push(`${signal}@${Date.now()}`);
        if (exitsOn === 'SIGTERM') exit();
      },
    };
  }

  it('starts at SIGTERM', async () => {
    vi.setSystemTime(0);
    const tree = fakeTree('SIGTERM');
    await expect(stopWithLadder(tree, { graceMs: 2000, termMs: 3000 }, systemClock)).resolves.toBe(
      'SIGTERM',
    );
    expect(tree.log).toEqual(['SIGTERM@0']);
  });

  it('waits no longer than killMs after SIGKILL for an exit that does not come', async () => {
    vi.setSystemTime(0);
    const tree = fakeTree('never');
    let step: string | undefined;
    void stopWithLadder(tree, { graceMs: 0, termMs: 3000, killMs: 0 }, systemClock).then(
      (s) => (step = s),
    );
    await vi.advanceTimersByTimeAsync(3000);
    expect(tree.log).toEqual(['SIGTERM@0', 'SIGKILL@3000']);
    await vi.advanceTimersByTimeAsync(1);
    expect(step).toBe('SIGKILL');
  });
});
