import { describe, expect, it } from 'vitest';
import { type MemberSurface, aggregate } from '../../src/gateway/aggregate.js';
import type { RawSurface } from '../../src/server/surface.js';

function raw(parts: Partial<RawSurface>): RawSurface {
  return { tools: [], resources: [], resourceTemplates: [], prompts: [], ...parts };
}

const tool = (name: string) => ({
  name,
  title: `${name} title`,
  inputSchema: { type: 'object' as const },
});

const members: MemberSurface[] = [
  {
    server: 'text-kit',
    prefix: 'tk',
    raw: raw({
      tools: [tool('count_words'), tool(`x${'y'.repeat(60)}`)],
      prompts: [{ name: 'summarize' }],
      resources: [{ uri: 'config://app', name: 'config' }],
    }),
  },
  {
    server: 'docs',
    prefix: 'docs',
    raw: raw({
      resources: [
        { uri: 'config://app', name: 'config' },
        { uri: 'docs://index', name: 'index' },
      ],
      resourceTemplates: [{ uriTemplate: 'docs://pages/{slug}', name: 'page' }],
    }),
  },
];

describe('aggregate', () => {
  const all = aggregate(members, { prefixed: true, clientPrefix: 'mcp__mcpx__' });

  it('prefixes tools and prompts and keeps every other field as the server sent it', () => {
    expect(all.tools.map((t) => t.name)).toEqual(['tk__count_words']);
    expect(all.tools[0]).toEqual({ ...tool('count_words'), name: 'tk__count_words' });
    expect(all.prompts.map((p) => p.name)).toEqual(['tk__summarize']);
    expect(all.servers).toEqual(['text-kit', 'docs']);
  });

  it('leaves out a name that would not fit a client, and says which and why', () => {
    expect(all.leftOut).toEqual([
      expect.objectContaining({
        server: 'text-kit',
        kind: 'tool',
        name: `x${'y'.repeat(60)}`,
        problem: expect.stringMatching(/over the 64/) as unknown,
      }),
    ]);
  });

  it('rewrites a URI two servers list, for both, and routes each back', () => {
    expect(all.resources.map((r) => r.uri)).toEqual([
      'mcpx://tk/config%3A%2F%2Fapp',
      'mcpx://docs/config%3A%2F%2Fapp',
      'docs://index',
    ]);
    expect(all.routeUri('mcpx://tk/config%3A%2F%2Fapp')).toEqual({
      server: 'text-kit',
      uri: 'config://app',
    });
    expect(all.routeUri('mcpx://docs/config%3A%2F%2Fapp')).toEqual({
      server: 'docs',
      uri: 'config://app',
    });
    expect(all.routeUri('docs://index')).toEqual({ server: 'docs', uri: 'docs://index' });
  });

  it('routes an unlisted URI by the template it matches, and knows templates by their text', () => {
    expect(all.routeUri('docs://pages/intro')).toEqual({
      server: 'docs',
      uri: 'docs://pages/intro',
    });
    expect(all.routeTemplate('docs://pages/{slug}')).toBe('docs');
    // Two servers have resources and nothing matches: no guess.
    expect(all.routeUri('other://x')).toBeUndefined();
  });

  it('keeps names as they are for one server (/servers/<name>/mcp)', () => {
    const one = aggregate([members[0]!], { prefixed: false, clientPrefix: 'mcp__mcpx__' });
    expect(one.tools.map((t) => t.name)).toEqual(['count_words', `x${'y'.repeat(60)}`]);
    expect(one.leftOut).toEqual([]);
    expect(one.resources.map((r) => r.uri)).toEqual(['config://app']);
    // The only server with resources gets a URI nobody listed: it may know it.
    expect(one.routeUri('config://other')).toEqual({ server: 'text-kit', uri: 'config://other' });
  });
});
