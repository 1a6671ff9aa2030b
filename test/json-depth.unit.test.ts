import { describe, expect, it } from 'vitest';
import { tooDeepAt } from '../src/json-depth.js';

const nestedDeeperThan = (text: string, max: number): boolean => tooDeepAt(text, max) !== undefined;

describe('tooDeepAt', () => {
  it('counts arrays and objects, not brackets inside strings or escaped quotes', () => {
    expect(nestedDeeperThan('{"a":[1,{"b":[]}]}', 4)).toBe(false);
    expect(nestedDeeperThan('{"a":[1,{"b":[]}]}', 3)).toBe(true);
    expect(nestedDeeperThan('{"s":"[[[[[[{{{{"}', 1)).toBe(false);
    expect(nestedDeeperThan('{"s":"a\\"[[[[","t":1}', 1)).toBe(false);
    expect(nestedDeeperThan('{"s":"a\\\\","t":[[]]}', 2)).toBe(true);
    expect(nestedDeeperThan('"[[[["', 0)).toBe(false);
    expect(nestedDeeperThan('42', 0)).toBe(false);
  });

  it('stops at the first level past the limit, siblings not adding up', () => {
    expect(nestedDeeperThan(`${'['.repeat(1000)}${']'.repeat(1000)}`, 1000)).toBe(false);
    expect(nestedDeeperThan(`${'['.repeat(1001)}${']'.repeat(1001)}`, 1000)).toBe(true);
    expect(nestedDeeperThan('[[],[],[],[],[]]', 2)).toBe(false);
  });

  it('says where: the offset of the first bracket past the limit', () => {
    expect(tooDeepAt('{"a":[[1]]}', 2)).toBe(6);
    expect(tooDeepAt('{"a":[[1]]}', 3)).toBeUndefined();
  });
});
