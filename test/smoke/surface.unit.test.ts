import { describe, expect, it } from 'vitest';
import { partialMismatch } from '../../src/smoke/checks/example-calls.js';
import { type SurfaceSnapshot, diffSnapshots, sortKeys } from '../../src/smoke/surface.js';

const tool = (input: object, output?: object): SurfaceSnapshot['tools'][string] => ({
  inputSchema: { type: 'object', ...input },
  ...(output === undefined ? {} : { outputSchema: { type: 'object', ...output } }),
});

const base: SurfaceSnapshot = {
  tools: {
    search: tool(
      { properties: { q: { type: 'string' }, limit: { type: 'integer' } }, required: ['q'] },
      { properties: { hits: { type: 'array' } } },
    ),
    ping: tool({ properties: {} }),
  },
  resources: { 'docs://index': { name: 'index' } },
  resourceTemplates: { 'docs://{slug}': { name: 'doc' } },
  prompts: { plan: { arguments: [{ name: 'goal', required: true }] } },
};

describe('diffSnapshots', () => {
  it('finds nothing between equal surfaces', () => {
    expect(diffSnapshots(base, structuredClone(base))).toEqual({ breaking: [], additions: [] });
  });

  it('calls removals, new required inputs and type changes breaking, and lists additions', () => {
    const after: SurfaceSnapshot = {
      tools: {
        search: tool(
          {
            properties: {
              q: { type: 'string' },
              limit: { type: 'string' },
              lang: { type: 'string' },
              page: { type: 'integer' },
            },
            required: ['q', 'lang'],
          },
          { properties: { hits: { type: 'object' } } },
        ),
        fetch: tool({ properties: {} }),
      },
      resources: {},
      resourceTemplates: { 'docs://{slug}': { name: 'doc' } },
      prompts: {
        plan: {
          arguments: [
            { name: 'goal', required: true },
            { name: 'tone', required: true },
          ],
        },
      },
    };
    expect(diffSnapshots(base, after)).toEqual({
      breaking: [
        'tool ping removed',
        'resource docs://index removed',
        'tool search: new required input "lang"',
        'tool search: input "limit" type integer -> string',
        'tool search: output "hits" type array -> object',
        'prompt plan: new required argument "tone"',
      ],
      additions: ['tool fetch added', 'tool search: new optional input "page"'],
    });
  });
});

describe('sortKeys', () => {
  it('sorts keys at every depth and keeps array order, so snapshots diff well', () => {
    expect(JSON.stringify(sortKeys({ b: 1, a: { d: [3, 1], c: undefined, b: 2 } }))).toBe(
      '{"a":{"b":2,"d":[3,1]},"b":1}',
    );
  });
});

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
