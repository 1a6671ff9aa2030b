import { type Clock, systemClock } from '../../clock.js';

export interface HealthOptions {
  /** Milliseconds between pings. */
  interval: number;
  /** Milliseconds a ping may take before it counts as failed. */
  timeout: number;
  /** Failed pings in a row that make the server unhealthy. */
  failures: number;
}

/**
 * MCP health check: `ping` every `interval`, each with a `timeout`; after `failures` failures in a
 * row, `onUnhealthy` is called once and the check stops (the replica restarts the instance and
 * starts a new check). A success resets the count: one slow ping is not an outage; nor is one that
 * went unanswered while the instance answered other requests.
 */
export class HealthCheck {
  #failures = 0;
  #timer: unknown;
  #stopped = false;

  constructor(
    readonly options: HealthOptions,
    readonly ping: (timeoutMs: number) => Promise<void>,
    readonly events: {
      onFailure?: (failures: number, error: unknown) => void;
      onUnhealthy: (failures: number, error: unknown) => void;
      /**
       * How many requests the instance has answered so far, other than pings (the gateway's calls):
       * a ping that gets no answer while this grew is a busy server, not a dead one, and does not
       * count as a failure (under load, pings queued behind calls took over 2 s and one such ping
       * took a working server out of rotation).
       */
      answered?: () => number;
    },
    readonly clock: Clock = systemClock,
  ) {}

  start(): void {
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer);
  }

  get consecutiveFailures(): number {
    return this.#failures;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = this.clock.setTimeout(() => void this.#probe(), this.options.interval);
  }

  async #probe(): Promise<void> {
    const answeredBefore = this.events.answered?.();
    try {
      await withTimeout(this.ping(this.options.timeout), this.options.timeout, this.clock);
      this.#failures = 0;
    } catch (error) {
      if (this.#stopped) return;
      if (answeredBefore !== undefined && this.events.answered!() > answeredBefore) {
        this.#failures = 0;
        this.#schedule();
        return;
      }
      this.#failures++;
      this.events.onFailure?.(this.#failures, error);
      if (this.#failures >= this.options.failures) {
        this.stop();
        this.events.onUnhealthy(this.#failures, error);
        return;
      }
    }
    this.#schedule();
  }
}

/** Rejects when `promise` takes longer than `ms` on `clock`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, clock: Clock): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clock.clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clock.clearTimeout(timer);
        reject(error);
      },
    );
  });
}
