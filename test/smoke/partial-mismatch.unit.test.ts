import { describe, expect, it } from 'vitest';
import { partialMismatch } from '../../src/smoke/checks/example-calls.js';

describe('partialMismatch', () => {
  it('accepts extra fields and names the first differing path', () => {
    expect(
      partialMismatch({ a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 2], d: 4 }, e: 5 }, 'x'),
    ).toBeUndefined();
    expect(partialMismatch({ b: { c: 'y' } }, { b: { c: 'z' } }, 'x')).toBe(
      'x.b.c: expected "y", got "z"',
    );
    expect(partialMismatch({ b: 1 }, undefined, 'x')).toBe('x: expected an object, got undefined');
  });
});
