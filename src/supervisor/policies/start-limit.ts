/**
 * Bounded start concurrency. Starting a server is mostly CPU (Node loading the SDK and zod): fifty
 * at once on two cores each take fifty times as long, past their start timeout, while the same
 * fifty a few at a time are each ready in their usual time and all of them no later. A start holds
 * a slot until its server is ready or has failed, or for `holdMs` at most: a start that takes that
 * long is waiting (a download, a slow host), not computing, and must not hold the others back.
 */
import { availableParallelism } from 'node:os';
import { type Clock, systemClock } from '../../clock.js';
import { McpxError } from '../../errors.js';
import type { InstanceFactory } from '../replica-deps.js';

export interface StartLimitOptions {
  /** Starts that run at once; more wait their turn, first come first served. */
  concurrency: number;
  /** After this many ms a start gives its slot up, ready or not. */
  holdMs: number;
}

/** Two starts per core keep the cores busy while one of them waits on the disk or the pipe. */
export function defaultStartLimit(cores = availableParallelism()): StartLimitOptions {
  return { concurrency: Math.max(2, cores * 2), holdMs: 5000 };
}

/**
 * The default, or MCPX_START_CONCURRENCY starts at once where that is set (`bench/scale.js`
 * compares values with it). Anything but a whole number of 1 or more is an McpxError.
 */
export function startLimitFromEnv(env: NodeJS.ProcessEnv): StartLimitOptions {
  const limit = defaultStartLimit();
  const text = env.MCPX_START_CONCURRENCY;
  if (text === undefined || text === '') return limit;
  const concurrency = Number(text);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new McpxError(
      `MCPX_START_CONCURRENCY must be a whole number of 1 or more, not ${JSON.stringify(text)}.`,
      {
        hint: `unset it for the default (${limit.concurrency} here: two starts per core), or set e.g. MCPX_START_CONCURRENCY=8`,
      },
    );
  }
  return { ...limit, concurrency };
}

export class StartLimit {
  #running = 0;
  readonly #waiting: (() => void)[] = [];
  readonly #clock: Clock;

  constructor(
    readonly options: StartLimitOptions,
    clock: Clock = systemClock,
  ) {
    this.#clock = clock;
  }

  /** Starts holding a slot now. */
  get running(): number {
    return this.#running;
  }

  /** Starts waiting for a slot. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Resolves with a release function once a slot is free (call it when the start is over; later
   * calls do nothing). Rejects with the signal's reason if it aborts while waiting.
   */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#running < this.options.concurrency) return Promise.resolve(this.#take());
    return new Promise((resolve, reject) => {
      const turn = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(this.#take());
      };
      const onAbort = (): void => {
        this.#waiting.splice(this.#waiting.indexOf(turn), 1);
        reject(signal?.reason);
      };
      this.#waiting.push(turn);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #take(): () => void {
    this.#running++;
    let held = true;
    const release = (): void => {
      if (!held) return;
      held = false;
      this.#clock.clearTimeout(timer);
      this.#running--;
      this.#waiting.shift()?.();
    };
    const timer = this.#clock.setTimeout(release, this.options.holdMs);
    return release;
  }
}

/** `factory`, with each start waiting for a slot of `limit` first. */
export function limitStarts(factory: InstanceFactory, limit: StartLimit): InstanceFactory {
  return async (hooks) => {
    const release = await limit.acquire(hooks.signal);
    try {
      return await factory(hooks);
    } finally {
      release();
    }
  };
}
