/**
 * Crash-loop breaker: after `maxCrashes` crashes within `window` ms the server is marked crashed
 * and not restarted until something changes (a file edit or `mcpx restart`), instead of burning a
 * core and flooding the log with the same stack trace.
 */
export interface CrashLoopOptions {
  maxCrashes: number;
  window: number;
}

export const DEFAULT_CRASH_LOOP: CrashLoopOptions = { maxCrashes: 5, window: 30_000 };

export class CrashLoopBreaker {
  #crashes: number[] = [];

  constructor(readonly options: CrashLoopOptions = DEFAULT_CRASH_LOOP) {}

  /** Records a crash at `now`; true when the breaker opens (stop restarting). */
  record(now: number): boolean {
    this.#crashes = this.#crashes.filter((t) => now - t < this.options.window);
    this.#crashes.push(now);
    return this.#crashes.length >= this.options.maxCrashes;
  }

  /** Crashes counted in the current window. */
  get count(): number {
    return this.#crashes.length;
  }

  reset(): void {
    this.#crashes = [];
  }
}
