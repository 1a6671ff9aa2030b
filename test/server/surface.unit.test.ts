import { describe, expect, it } from 'vitest';
import {
  type RawSurface,
  type Surface,
  canonical,
  changeLine,
  diffSurfaces,
  reloadParts,
  surfaceOf,
} from '../../src/server/surface.js';

const q = (type: string, required = true) => ({
  type: 'object' as const,
  properties: { q: { type } },
  ...(required ? { required: ['q'] } : {}),
});

function raw(fields: Partial<RawSurface>): RawSurface {
  return { tools: [], resources: [], resourceTemplates: [], prompts: [], ...fields };
}

/** The reload line's parts, as the supervisor makes them. */
const reload = (before: Surface, after: Surface): string[] =>
  reloadParts(diffSurfaces(before, after));

/** Smoke's breaking and additive lines. */
function smoke(before: Surface, after: Surface): { breaking: string[]; additions: string[] } {
  const changes = diffSurfaces(before, after);
  return {
    breaking: changes.filter((c) => c.kind === 'breaking').map(changeLine),
    additions: changes.filter((c) => c.kind === 'additive').map(changeLine),
  };
}

describe('reloadParts of diffSurfaces (what a reload changed)', () => {
  it('says how a changed tool, prompt or resource changed, as smoke does', () => {
    const before = surfaceOf(
      raw({
        tools: [
          { name: 'search', description: 'Searches.', inputSchema: q('string') },
          { name: 'count', description: 'Counts.', inputSchema: q('string') },
          { name: 'ping', description: 'Pings.', inputSchema: { type: 'object' } },
          { name: 'gone', inputSchema: { type: 'object' } },
        ],
        prompts: [{ name: 'review', arguments: [{ name: 'code', required: true }] }],
        resources: [{ uri: 'docs://a', name: 'a', mimeType: 'text/plain' }],
      }),
    );
    const after = surfaceOf(
      raw({
        tools: [
          {
            name: 'search',
            description: 'Searches.',
            inputSchema: {
              type: 'object',
              properties: { q: { type: 'string' }, lang: { type: 'string' } },
              required: ['q', 'lang'],
            },
          },
          { name: 'count', description: 'Counts words.', inputSchema: q('number') },
          { name: 'ping', description: 'Pings.', inputSchema: { type: 'object' } },
          { name: 'added', inputSchema: { type: 'object' } },
        ],
        prompts: [
          {
            name: 'review',
            arguments: [
              { name: 'code', required: true },
              { name: 'style', required: true },
            ],
          },
        ],
        resources: [{ uri: 'docs://a', name: 'a', mimeType: 'text/markdown' }],
      }),
    );
    expect(reload(before, after)).toEqual([
      'tools: +added ~count (input "q" type string -> number; description changed) ~search (new required input "lang") -gone',
      'resources: ~docs://a (mime type text/plain -> text/markdown)',
      'prompts: ~review (new required argument "style")',
    ]);
  });

  it('names the part of a schema that changed where there is no finer word for it', () => {
    const before = surfaceOf(raw({ tools: [{ name: 't', inputSchema: q('string') }] }));
    const after = surfaceOf(
      raw({
        tools: [
          {
            name: 't',
            inputSchema: {
              type: 'object',
              properties: { q: { type: 'string', maxLength: 10 } },
              required: ['q'],
            },
            outputSchema: { type: 'object', properties: { n: { type: 'number' } } },
          },
        ],
      }),
    );
    expect(reload(before, after)).toEqual([
      'tools: ~t (input schema changed; output schema changed)',
    ]);
    expect(diffSurfaces(before, after).map((c) => c.kind)).toEqual(['other', 'other']);
    expect(reload(after, after)).toEqual([]);
  });

  it('puts breaking words before additive ones within one tool', () => {
    const before = surfaceOf(raw({ tools: [{ name: 't', inputSchema: q('string') }] }));
    const after = surfaceOf(
      raw({
        tools: [
          {
            name: 't',
            inputSchema: {
              type: 'object',
              properties: { a: { type: 'string' }, q: { type: 'number' } },
              required: ['q'],
            },
          },
        ],
      }),
    );
    expect(reload(before, after)).toEqual([
      'tools: ~t (input "q" type string -> number; new optional input "a")',
    ]);
  });

  it('sees no change where only the key order of a schema differs', () => {
    const a = surfaceOf(
      raw({
        tools: [{ name: 't', inputSchema: { type: 'object', required: [], properties: {} } }],
      }),
    );
    const b = surfaceOf(
      raw({
        tools: [{ name: 't', inputSchema: { properties: {}, required: [], type: 'object' } }],
      }),
    );
    expect(diffSurfaces(a, b)).toEqual([]);
  });
});

const tool = (input: object, output?: object): Surface['tools'][string] => ({
  inputSchema: { type: 'object', ...input },
  ...(output === undefined ? {} : { outputSchema: { type: 'object', ...output } }),
});

const base: Surface = {
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

describe('diffSurfaces against a snapshot (smoke)', () => {
  it('finds nothing between equal surfaces', () => {
    expect(diffSurfaces(base, structuredClone(base))).toEqual([]);
  });

  it('calls removals, new required inputs and type changes breaking, and lists additions', () => {
    const after: Surface = {
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
    expect(smoke(base, after)).toEqual({
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
    // The reload line reads the same changes.
    expect(reload(base, after)).toEqual([
      'tools: +fetch ~search (new required input "lang"; input "limit" type integer -> string; output "hits" type array -> object; new optional input "page") -ping',
      'resources: -docs://index',
      'prompts: ~plan (new required argument "tone")',
    ]);
  });
});

describe('canonical', () => {
  it('sorts keys at every depth and keeps array order, so snapshots diff well', () => {
    expect(JSON.stringify(canonical({ b: 1, a: { d: [3, 1], c: undefined, b: 2 } }))).toBe(
      '{"a":{"b":2,"d":[3,1]},"b":1}',
    );
  });

  it('sorts by code point, as the snapshot file always was (not by locale)', () => {
    expect(Object.keys(canonical({ b: 1, B: 2, a: 3, _: 4 }))).toEqual(['B', '_', 'a', 'b']);
  });
});
