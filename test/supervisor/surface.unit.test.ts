import { describe, expect, it } from 'vitest';
import { type RawSurface, diffSurface, surfaceOf } from '../../src/supervisor/surface.js';

const q = (type: string, required = true) => ({
  type: 'object' as const,
  properties: { q: { type } },
  ...(required ? { required: ['q'] } : {}),
});

function raw(fields: Partial<RawSurface>): RawSurface {
  return { tools: [], resources: [], resourceTemplates: [], prompts: [], ...fields };
}

describe('diffSurface (what a reload changed)', () => {
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
    expect(diffSurface(before, after)).toEqual([
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
    expect(diffSurface(before, after)).toEqual([
      'tools: ~t (input schema changed; output schema changed)',
    ]);
    expect(diffSurface(after, after)).toEqual([]);
  });
});
