import { describe, expect, it } from 'vitest';
import { P2C_FROM, RoundRobin, leastOutstanding } from '../../src/gateway/balancer.js';

const replicas = (...inFlight: number[]) => inFlight.map((n, id) => ({ id, inFlight: n }));

/** A random source that returns the given values in turn. */
function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length] as number;
}

describe('least outstanding requests', () => {
  it('picks the replica with the fewest calls in flight', () => {
    expect(leastOutstanding(replicas(3, 1, 2))?.id).toBe(1);
    expect(leastOutstanding(replicas(0, 5, 5))?.id).toBe(0);
  });

  it('breaks ties at random, among the tied only', () => {
    const candidates = replicas(2, 1, 1, 4);
    expect(leastOutstanding(candidates, () => 0)?.id).toBe(1);
    expect(leastOutstanding(candidates, () => 0.99)?.id).toBe(2);
  });

  it('spreads idle replicas evenly over many picks', () => {
    const counts = [0, 0, 0];
    const candidates = replicas(0, 0, 0);
    for (let i = 0; i < 3000; i++) counts[leastOutstanding(candidates)!.id]!++;
    for (const count of counts) expect(count).toBeGreaterThan(800);
  });

  it('has nothing to pick from no replicas, and the one from one', () => {
    expect(leastOutstanding([])).toBeUndefined();
    expect(leastOutstanding(replicas(7))?.id).toBe(0);
  });

  it(`compares two at random from ${P2C_FROM} replicas up, never one with itself`, () => {
    const candidates = replicas(5, 5, 5, 5, 5, 5, 5, 5, 0, 5);
    // First index 0 (5 in flight), second index shifted by 1 + floor(0.9 * 9) = 9 -> index 9.
    expect(leastOutstanding(candidates, sequence(0, 0.9, 0))?.id).toBe(0);
    // First index 8 (0 in flight): the better one wins whichever the second is.
    expect(leastOutstanding(candidates, sequence(0.85, 0, 0))?.id).toBe(8);
    // The global minimum is not found when neither draw hits it: that is the point of P2C.
    const two = leastOutstanding(candidates, sequence(0.1, 0.1, 0.7));
    expect(two?.inFlight).toBe(5);
    for (let i = 0; i < 200; i++) {
      const pick = leastOutstanding(replicas(...Array<number>(P2C_FROM).fill(1)));
      expect(pick).toBeDefined();
    }
  });
});

describe('round robin', () => {
  it('cycles through the replicas per server', () => {
    const rr = new RoundRobin();
    const candidates = ['a', 'b', 'c'];
    expect([1, 2, 3, 4].map(() => rr.pick('x', candidates))).toEqual(['a', 'b', 'c', 'a']);
    expect(rr.pick('y', candidates)).toBe('a');
    expect(rr.pick('x', [])).toBeUndefined();
  });
});
