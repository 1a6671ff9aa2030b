// Which server `mcpx new tool|resource|prompt` uses when --server is not given.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { McpxError } from '../../src/errors.js';
import { primitiveServers } from '../../src/services/new-primitive.js';

const made: string[] = [];
afterEach(async () => {
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function workspace(servers: Record<string, object>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'mcpx-choose-'));
  made.push(root);
  await writeFile(join(root, 'mcpx.json'), JSON.stringify({ mcpServers: servers }));
  for (const entry of Object.values(servers) as { cwd?: string }[])
    if (entry.cwd !== undefined) await mkdir(join(root, entry.cwd, 'src'), { recursive: true });
  return root;
}

const scaffolded = (name: string, role: string) => ({
  command: 'node',
  args: ['src/stdio.ts'],
  cwd: `servers/${name}`,
  role,
});

describe('primitiveServers', () => {
  it('detects the only server whose role allows the kind (unscaffolded ones do not count)', async () => {
    const root = await workspace({
      kit: scaffolded('kit', 'tools'),
      planner: scaffolded('planner', 'prompts'),
      memory: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-memory'] },
      remote: { url: 'https://example.com/mcp' },
    });
    expect(await primitiveServers({ dir: root, kind: 'tools', cwd: root })).toEqual({
      file: join(root, 'mcpx.json'),
      detected: 'kit',
      eligible: ['kit'],
    });
    expect((await primitiveServers({ dir: root, kind: 'prompts', cwd: root })).detected).toBe(
      'planner',
    );
  });

  it('detects the server whose folder holds the current one, before any other rule', async () => {
    const root = await workspace({
      a: scaffolded('a', 'tools'),
      b: scaffolded('b', 'tools'),
      planner: scaffolded('planner', 'prompts'),
      nested: { ...scaffolded('nested', 'tools'), cwd: 'servers/a/nested' },
    });
    const detect = async (cwd: string) =>
      (await primitiveServers({ dir: root, kind: 'tools', cwd: join(root, cwd) })).detected;
    expect(await detect('servers/b/src')).toBe('b');
    expect(await detect('servers/a')).toBe('a');
    // The deepest folder wins.
    expect(await detect('servers/a/nested/src')).toBe('nested');
    // Its role refuses tools: newPrimitive then says so, rather than a tool landing elsewhere.
    expect(await detect('servers/planner/src')).toBe('planner');
    // Several eligible and none around: nothing detected, so mcpx asks or fails naming --server.
    const several = await primitiveServers({ dir: root, kind: 'tools', cwd: root });
    expect(several.detected).toBeUndefined();
    expect(several.eligible).toEqual(['a', 'b', 'nested']);
    // "servers/ab" is not inside "servers/a".
    await mkdir(join(root, 'servers/ab'), { recursive: true });
    expect(await detect('servers/ab')).toBeUndefined();
  });

  it('sees through a symbolic link to the current folder', async () => {
    const root = await workspace({ a: scaffolded('a', 'tools'), b: scaffolded('b', 'tools') });
    const link = join(await mkdtemp(join(tmpdir(), 'mcpx-link-')), 'here');
    made.push(join(link, '..'));
    await symlink(join(root, 'servers/b'), link);
    expect((await primitiveServers({ dir: root, kind: 'tools', cwd: link })).detected).toBe('b');
  });

  it('fails when no server could take the kind, saying what to create', async () => {
    const root = await workspace({ planner: scaffolded('planner', 'prompts') });
    const error = await primitiveServers({ dir: root, kind: 'tools', cwd: root }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(McpxError);
    expect((error as McpxError).message).toBe(
      `No server in ${join(root, 'mcpx.json')} can take a tool.`,
    );
    expect((error as McpxError).hint).toMatch(/--role tools/);
    const empty = await workspace({});
    await expect(primitiveServers({ dir: empty, kind: 'tools', cwd: empty })).rejects.toThrow(
      /can take a tool/,
    );
  });
});
