/**
 * Capped exponential backoff between restarts: 250 ms, 500 ms, 1 s, ... up to `max`. It resets once
 * an instance has stayed up for `stableAfter` ms, so a server that crashes once a day restarts at
 * once, while one that crashes in a loop waits longer each time.
 */
export interface BackoffOptions {
  initial: number;
  max: number;
  factor: number;
  /** Ready for this long counts as stable: the next crash starts from `initial` again. */
  stableAfter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = {
  initial: 250,
  max: 10_000,
  factor: 2,
  stableAfter: 10_000,
};

export class ExponentialBackoff {
  #attempt = 0;

  constructor(readonly options: BackoffOptions = DEFAULT_BACKOFF) {}

  /** The delay before the next start, growing with each call until reset. */
  next(): number {
    const delay = Math.min(
      this.options.max,
      this.options.initial * this.options.factor ** this.#attempt,
    );
    this.#attempt++;
    return delay;
  }

  /** Called when an instance has run `uptime` ms: resets after a stable period. */
  noteUptime(uptime: number): void {
    if (uptime >= this.options.stableAfter) this.#attempt = 0;
  }

  reset(): void {
    this.#attempt = 0;
  }
}
