import type { Clock } from '../../clock.js';
import { type BackoffOptions, ExponentialBackoff } from './backoff.js';
import { CrashLoopBreaker, type CrashLoopOptions } from './crash-loop.js';

/** After a failure: a restart in `delay` ms, or none (the crash-loop breaker opened). */
export type AfterFailure =
  | { restart: true; delay: number }
  | { restart: false; /** Failures within the window. */ failures: number };

/**
 * Restart on crash: after an instance crashes, fails to start or is stopped as unhealthy, start
 * it again after a backoff delay that grows with each failure, until `crashLoop.maxCrashes`
 * failures within `crashLoop.window` open the breaker: then it stays down until something changes
 * (a reload or a manual restart calls reset()). A remote server has no breaker: an outage is
 * retried, at most every `backoff.max` ms, for as long as it lasts.
 */
export class RestartOnCrash {
  readonly #backoff: ExponentialBackoff;
  readonly #breaker: CrashLoopBreaker;
  #timer: unknown;

  constructor(
    readonly options: { backoff: BackoffOptions; crashLoop: CrashLoopOptions },
    readonly clock: Clock,
    readonly remote = false,
  ) {
    this.#backoff = new ExponentialBackoff(options.backoff);
    this.#breaker = new CrashLoopBreaker(options.crashLoop);
  }

  /** An instance became ready: a remote server's next outage starts from the shortest delay. */
  ready(): void {
    if (this.remote) this.#backoff.reset();
  }

  /** A ready instance ended after `uptime` ms: a stable run forgets the failures before it. */
  ended(uptime: number): void {
    this.#backoff.noteUptime(uptime);
    if (uptime >= this.options.backoff.stableAfter) this.#breaker.reset();
  }

  /** Records a failure; unless the breaker opens, calls `restart` after the backoff delay. */
  failed(restart: () => void): AfterFailure {
    if (!this.remote && this.#breaker.record(this.clock.now()))
      return { restart: false, failures: this.#breaker.count };
    const delay = this.#backoff.next();
    this.cancel();
    this.#timer = this.clock.setTimeout(() => {
      this.#timer = undefined;
      restart();
    }, delay);
    return { restart: true, delay };
  }

  /** Something else starts the server now (a reload, `mcpx restart`): a fresh start, no pending restart. */
  reset(): void {
    this.cancel();
    this.#breaker.reset();
    this.#backoff.reset();
  }

  /** Drops a pending restart. */
  cancel(): void {
    if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
