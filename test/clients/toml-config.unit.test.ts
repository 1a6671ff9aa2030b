// The one-table upsert of Codex's config.toml on the shapes people write by hand: the entry
// replaced where it is (sub-tables too), written as dotted keys or inside [mcp_servers], CRLF
// files, and the layouts it refuses. Every result is read back with smol-toml.
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { CLIENTS } from '../../src/clients/table.js';
import { upsertTomlEntry } from '../../src/clients/toml-config.js';
import { McpxError } from '../../src/errors.js';

const codex = CLIENTS.codex;
const entry = { command: '/usr/bin/node', args: ['/x/run.js', 'connect'], env: { A: 'b' } };
const upsert = (text: string): string => upsertTomlEntry(text, '/c.toml', codex, 'mcpx', entry);
const servers = (text: string): Record<string, unknown> =>
  (parse(text) as { mcp_servers: Record<string, unknown> }).mcp_servers;

describe('upsertTomlEntry', () => {
  it('writes a new file as one table (and its env sub-table)', () => {
    expect(upsert('')).toBe(
      '[mcp_servers.mcpx]\ncommand = "/usr/bin/node"\nargs = [ "/x/run.js", "connect" ]\n\n[mcp_servers.mcpx.env]\nA = "b"\n',
    );
  });

  it('replaces the old entry and its sub-tables where they were, keeping the comments around them', () => {
    const text = [
      '[mcp_servers.a]',
      'url = "http://a"',
      '',
      '# mcpx, added last week',
      '[mcp_servers.mcpx]',
      'url = "http://old"  # old',
      '',
      '[mcp_servers.mcpx.http_headers]',
      'X = "1"',
      '',
      '[mcp_servers.z]',
      'command = "z"',
      '',
    ].join('\n');
    const next = upsert(text);
    expect(servers(next)).toEqual({ a: { url: 'http://a' }, mcpx: entry, z: { command: 'z' } });
    expect(next).toContain('# mcpx, added last week\n[mcp_servers.mcpx]\ncommand =');
    expect(next).not.toContain('old');
    expect(next.indexOf('[mcp_servers.mcpx]')).toBeLessThan(next.indexOf('[mcp_servers.z]'));
    expect(upsert(next)).toBe(next);
  });

  it('moves an entry written as dotted keys or inside [mcp_servers] into its own table after the others', () => {
    const dotted =
      'model = "m"\nmcp_servers.mcpx.url = "http://old"\n\n[profiles.p]\nmodel = "n"\n';
    const next = upsert(dotted);
    expect(servers(next)).toEqual({ mcpx: entry });
    expect((parse(next) as { model: string }).model).toBe('m');
    expect((parse(next) as { profiles: unknown }).profiles).toEqual({ p: { model: 'n' } });

    const inside = '[mcp_servers]\nmcpx = { url = "http://old" }\nother.url = "http://o"\n';
    const moved = upsert(inside);
    expect(servers(moved)).toEqual({ other: { url: 'http://o' }, mcpx: entry });
    expect(upsert(moved)).toBe(moved);
  });

  it('keeps CRLF line ends', () => {
    const next = upsert('a = 1\r\n\r\n[mcp_servers.x]\r\nurl = "q"\r\n');
    expect(next.replaceAll('\r\n', '')).not.toContain('\n');
    expect(servers(next)).toEqual({ x: { url: 'q' }, mcpx: entry });
  });

  it('refuses mcp_servers as one inline table, and [[mcp_servers]], naming the line', () => {
    const inline = (() => {
      try {
        return upsert('x = 1\nmcp_servers = { a = { url = "u" } }\n');
      } catch (error) {
        return error;
      }
    })();
    expect(inline).toBeInstanceOf(McpxError);
    expect((inline as McpxError).exitCode).toBe(2);
    expect((inline as McpxError).message).toMatch(
      /^\/c\.toml:2:1: "mcp_servers" is one inline value/,
    );
    expect(() => upsert('[[mcp_servers]]\nurl = "u"\n')).toThrow(
      /\/c\.toml:1:1: \[\[mcp_servers\]\]/,
    );
  });
});
