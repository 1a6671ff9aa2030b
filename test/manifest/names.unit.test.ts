import { describe, expect, it } from 'vitest';
import {
  primitiveNameProblem,
  primitiveSpellings,
  serverNameProblem,
} from '../../src/manifest/names.js';

describe('server names', () => {
  it.each(['weather', 'web-search', 'db_2', 'a', '9lives'])('accepts %s', (name) => {
    expect(serverNameProblem(name)).toBeUndefined();
  });
  it.each([
    ['', 'empty'],
    ['a/b', 'path separator'],
    ['..', '".."'],
    ['Weather', 'uppercase'],
    ['-x', 'start with a letter or a digit'],
    ['a.b', 'only lowercase letters'],
    ['a__b', '"__"'],
    ['a-', 'end with'],
    ['x'.repeat(33), 'the limit is 32'],
  ])('rejects %j (%s)', (name, why) => {
    expect(serverNameProblem(name)).toContain(why);
  });
});

describe('primitive names', () => {
  it('accepts snake and kebab case and spells them for files, identifiers and titles', () => {
    expect(primitiveNameProblem('get_forecast')).toBeUndefined();
    expect(primitiveSpellings('get-forecast')).toEqual({
      snake: 'get_forecast',
      kebab: 'get-forecast',
      pascal: 'GetForecast',
      title: 'Get forecast',
    });
  });
  it.each(['Get', '1x', 'a b', 'a__b', 'x'.repeat(49), ''])('rejects %j', (name) => {
    expect(primitiveNameProblem(name)).toBeDefined();
  });
});
