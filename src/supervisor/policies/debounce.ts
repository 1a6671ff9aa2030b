import { type Clock, systemClock } from '../clock.js';

/**
 * Collects keys (server names) for `ms` after the last one and hands them over together. Editors
 * save in bursts (write, rename, chmod); one reload per burst is what a developer wants.
 */
export class Debouncer<K> {
  #pending = new Set<K>();
  #timer: unknown;

  constructor(
    readonly ms: number,
    readonly flush: (keys: Set<K>) => void,
    readonly clock: Clock = systemClock,
  ) {}

  add(key: K): void {
    this.#pending.add(key);
    if (this.#timer !== undefined) this.clock.clearTimeout(this.#timer);
    this.#timer = this.clock.setTimeout(() => {
      this.#timer = undefined;
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
