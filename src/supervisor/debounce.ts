import { type Clock, systemClock } from '../clock.js';

/**
 * Coalesces keys (server names) into bursts. Editors save in bursts (write, rename, chmod); one
 * reload per burst is what a developer wants, and as early as possible.
 *
 * Trailing (the default): keys are handed over together `ms` after the last one.
 * Leading: the first key of a quiet period is handed over at once, and the keys that follow within
 * `ms` of each other are handed over once more when they stop. A reload that a later event in the
 * same burst supersedes is cancelled by its owner (see Replica.reload), so a single save costs no
 * waiting at all and a burst still ends in one reload of the final files.
 */
export class Debouncer<K> {
  #pending = new Set<K>();
  #timer: unknown;

  constructor(
    readonly ms: number,
    readonly flush: (keys: Set<K>) => void,
    readonly clock: Clock = systemClock,
    readonly options: { leading?: boolean } = {},
  ) {}

  add(key: K): void {
    const quiet = this.#timer === undefined;
    if (quiet && this.options.leading === true) this.flush(new Set([key]));
    else this.#pending.add(key);
    if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer);
    this.#timer = this.clock.setTimeout(() => {
      this.#timer = undefined;
      if (this.#pending.size === 0) return;
      const keys = this.#pending;
      this.#pending = new Set();
      this.flush(keys);
    }, this.ms);
  }

  cancel(): void {
    if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending.clear();
  }
}
