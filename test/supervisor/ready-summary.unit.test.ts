import { describe, expect, it } from 'vitest';
import { readySummary } from '../../src/supervisor/ready-summary.js';
import type { ReplicaState } from '../../src/supervisor/state.js';

const replicas = (spec: Record<string, ReplicaState[]>) =>
  Object.entries(spec).flatMap(([server, states]) => states.map((state) => ({ server, state })));

describe('readySummary', () => {
  it('counts servers and replicas apart', () => {
    expect(
      readySummary(
        replicas({ a: ['ready'], b: ['ready', 'ready'], c: ['ready', 'ready', 'ready'] }),
      ),
    ).toBe('3 of 3 servers ready (6 of 6 replicas)');
    expect(readySummary(replicas({ a: ['ready'], b: ['ready', 'backoff'] }))).toBe(
      '1 of 2 servers ready (2 of 3 replicas)',
    );
  });

  it('leaves replicas out where every server has one', () => {
    expect(readySummary(replicas({ a: ['ready'], b: ['crashed'] }))).toBe('1 of 2 servers ready');
    expect(readySummary(replicas({ a: ['ready'] }))).toBe('1 of 1 server ready');
  });
});
