import { describe, expect, it } from 'vitest';
import {
  clientNameProblem,
  collidingUri,
  parseCollidingUri,
  prefixedName,
  splitName,
} from '../../src/gateway/names.js';

describe('gateway names', () => {
  it('prefixes and splits at the first "__" (prefixes never contain one)', () => {
    expect(prefixedName('text-kit', 'count_words')).toBe('text-kit__count_words');
    expect(splitName('text-kit__count_words')).toEqual({ prefix: 'text-kit', name: 'count_words' });
    expect(splitName('tk__a__b')).toEqual({ prefix: 'tk', name: 'a__b' });
    expect(splitName('no_separator')).toBeUndefined();
    expect(splitName('__x')).toBeUndefined();
    expect(splitName('x__')).toBeUndefined();
  });

  it('says when a name with the client prefix is over 64 characters, or has other characters', () => {
    const prefix = 'mcp__mcpx__';
    expect(clientNameProblem('text-kit__count_words', prefix)).toBeUndefined();
    const long = `text-kit__${'a'.repeat(44)}`;
    expect(`${prefix}${long}`).toHaveLength(65);
    expect(clientNameProblem(long, prefix)).toMatch(/is 65 characters, over the 64/);
    expect(clientNameProblem(long.slice(0, -1), prefix)).toBeUndefined();
    expect(clientNameProblem('docs__get.page', prefix)).toMatch(/characters other than/);
  });

  it('rewrites a colliding URI stably and reads it back', () => {
    const uri = collidingUri('docs', 'config://app?x=1#y');
    expect(uri).toBe('mcpx://docs/config%3A%2F%2Fapp%3Fx%3D1%23y');
    expect(parseCollidingUri(uri)).toEqual({ prefix: 'docs', uri: 'config://app?x=1#y' });
    expect(parseCollidingUri('config://app')).toBeUndefined();
    expect(parseCollidingUri('mcpx://docs/%E0%A4%A')).toBeUndefined();
  });
});
