/**
 * Bounded start concurrency. Starting a server is mostly CPU (Node loading the SDK and zod): a
 * hundred at once on two cores each take a hundred times as long, past their start timeout. So
 * starts take turns, as many at once as the machine shows it can take: each start that is ready
 * (or fails) within `quickMs` lets one more run at once, and one that took longer halves how many
 * do. A quiet machine soon starts everything together; a busy one keeps each start well inside its
 * timeout. A start holds its slot until it is over, or for `holdMs` at most: a start that takes
 * that long is waiting (a download, a slow host), not computing, and must not hold the others back.
 */
import { availableParallelism } from 'node:os';
import { type Clock, systemClock } from '../../clock.js';
import { McpxError } from '../../errors.js';
import type { InstanceFactory } from '../replica-deps.js';

export interface StartLimitOptions {
  /** Starts that run at once at first; more wait their turn, first come first served. */
  concurrency: number;
  /** Never fewer at once than this, nor more than `max`. */
  min: number;
  max: number;
  /** A start over within this many ms lets one more run at once; a slower one halves them. */
  quickMs: number;
  /** After this many ms a start gives its slot up, over or not. */
  holdMs: number;
}

/**
 * Two starts per core at first (they keep the cores busy while one waits on the disk or a pipe),
 * never fewer than one per core; quick means within a third of the default start timeout.
 */
export function defaultStartLimit(cores = availableParallelism()): StartLimitOptions {
  return {
    concurrency: Math.max(2, cores * 2),
    min: Math.max(1, cores),
    max: 1024,
    quickMs: 10_000,
    holdMs: 5000,
  };
}

/**
 * The default, or exactly MCPX_START_CONCURRENCY starts at once where that is set (`bench/scale.js`
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
  return { ...limit, concurrency, min: concurrency, max: concurrency };
}

export class StartLimit {
  #running = 0;
  #concurrency: number;
  readonly #waiting: (() => void)[] = [];
  readonly #clock: Clock;

  constructor(
    readonly options: StartLimitOptions,
    clock: Clock = systemClock,
  ) {
    this.#clock = clock;
    this.#concurrency = options.concurrency;
  }

  /** Starts holding a slot now. */
  get running(): number {
    return this.#running;
  }

  /** Starts waiting for a slot. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** How many starts may run at once now. */
  get concurrency(): number {
    return this.#concurrency;
  }

  /**
   * Resolves with a release function once a slot is free (call it when the start is over; later
   * calls do nothing). Rejects with the signal's reason if it aborts while waiting.
   */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#running < this.#concurrency) return Promise.resolve(this.#take());
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
    const started = this.#clock.now();
    let held = true;
    const free = (): void => {
      if (!held) return;
      held = false;
      this.#clock.clearTimeout(timer);
      this.#running--;
      this.#admit();
    };
    const timer = this.#clock.setTimeout(free, this.options.holdMs);
    let over = false;
    return () => {
      if (over) return;
      over = true;
      this.#adapt(this.#clock.now() - started);
      free();
    };
  }

  #adapt(ms: number): void {
    const { min, max, quickMs } = this.options;
    this.#concurrency =
      ms <= quickMs
        ? Math.min(max, this.#concurrency + 1)
        : Math.max(min, Math.floor(this.#concurrency / 2));
    this.#admit();
  }

  #admit(): void {
    while (this.#running < this.#concurrency && this.#waiting.length > 0) this.#waiting.shift()?.();
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
