import { describe, expect, it } from 'vitest';
import { closest, editDistance } from '../src/closest.js';

/** The whole table, as the textbook has it: what the banded one must agree with. */
function reference(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      }
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** A seeded generator, so that a failure can be run again. */
function words(seed: number): () => string {
  let state = seed;
  const next = (): number => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state;
  };
  return () => Array.from({ length: next() % 9 }, () => 'abc'[next() % 3]).join('');
}

describe('editDistance', () => {
  it('agrees with the whole table up to its limit, and says "more" past it', () => {
    const word = words(7);
    for (let n = 0; n < 5000; n++) {
      const [a, b] = [word(), word()];
      const full = reference(a, b);
      for (const limit of [0, 1, 2, 3]) {
        const banded = editDistance(a, b, limit);
        if (full <= limit) expect(banded, `${a} ~ ${b}, limit ${limit}`).toBe(full);
        else expect(banded, `${a} ~ ${b}, limit ${limit}`).toBeGreaterThan(limit);
      }
    }
  });
});

describe('closest', () => {
  it('finds the candidate within two edits, a swap of neighbours counting as one', () => {
    expect(closest('lsit', ['list', 'logs'])).toBe('list');
    expect(closest('STATUS', ['status'])).toBe('status');
    expect(closest('abcde', ['abc', 'xyz'])).toBe('abc');
    expect(closest('ab', ['abcd'])).toBe('abcd');
  });

  it('prefers the nearer of two, and finds none three edits away or more', () => {
    expect(closest('tols', ['tool', 'tools'])).toBe('tools');
    expect(closest('abcdef', ['abc'])).toBeUndefined();
    expect(closest('x', ['abcd'])).toBeUndefined();
  });

  it('answers for a word of a million characters', () => {
    const long = 'x'.repeat(999_999);
    expect(closest(`${long}x`, ['echo', long])).toBe(long);
    expect(closest(`${long}x`, ['echo', 'add'])).toBeUndefined();
  });
});
