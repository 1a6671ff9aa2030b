/** How the gateway picks a replica for each call. */
export type Balance = 'least-outstanding' | 'round-robin';

/** A replica as the balancer sees it: how many calls it has in flight now. */
export interface Candidate {
  readonly inFlight: number;
}

/** From this many ready replicas on, two random ones are compared instead of all (P2C). */
export const P2C_FROM = 8;

/**
 * Least outstanding requests: the replica with the fewest calls in flight, ties broken at random.
 * A slow or stuck replica piles up calls and so gets fewer new ones, which round robin and random
 * do not do (tool calls last from milliseconds to minutes). From P2C_FROM replicas up, the power of
 * two choices: the better of two picked at random, which is O(1) and avoids herding.
 */
export function leastOutstanding<T extends Candidate>(
  candidates: readonly T[],
  random: () => number = Math.random,
): T | undefined {
  const n = candidates.length;
  if (n <= 1) return candidates[0];
  const at = (i: number): T => candidates[i] as T;
  if (n >= P2C_FROM) {
    const i = Math.floor(random() * n);
    // A second index unlike the first: shift by 1..n-1.
    const j = (i + 1 + Math.floor(random() * (n - 1))) % n;
    const a = at(i);
    const b = at(j);
    if (a.inFlight !== b.inFlight) return a.inFlight < b.inFlight ? a : b;
    return random() < 0.5 ? a : b;
  }
  let fewest = Infinity;
  for (const candidate of candidates) fewest = Math.min(fewest, candidate.inFlight);
  const tied = candidates.filter((candidate) => candidate.inFlight === fewest);
  return tied[Math.floor(random() * tied.length)] ?? tied[0];
}

/** Round robin per server: the comparison `bench/gateway.js` makes (MCPX_GATEWAY_BALANCE). */
export class RoundRobin {
  readonly #next = new Map<string, number>();

  pick<T>(key: string, candidates: readonly T[]): T | undefined {
    if (candidates.length === 0) return undefined;
    const next = this.#next.get(key) ?? 0;
    this.#next.set(key, next + 1);
    return candidates[next % candidates.length];
  }
}
