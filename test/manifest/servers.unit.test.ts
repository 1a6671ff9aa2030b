// Each manifest entry is normalised once, at load: defaults applied, paths resolved.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadWorkspace } from '../../src/manifest/load.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function workspace(manifest: object) {
  dir = await mkdtemp(join(tmpdir(), 'mcpx-servers-'));
  await writeFile(join(dir, 'mcpx.json'), JSON.stringify(manifest));
  return loadWorkspace(dir);
}

describe('workspace.servers', () => {
  it('applies every default to a bare command entry, resolving cwd against the root', async () => {
    const w = await workspace({ mcpServers: { kit: { command: 'node', args: ['s.ts'] } } });
    expect(w.servers.get('kit')).toEqual({
      name: 'kit',
      entry: { command: 'node', args: ['s.ts'] },
      role: undefined,
      transport: 'stdio',
      disabled: false,
      replicas: 1,
      health: { interval: 5000, timeout: 2000, failures: 3 },
      startTimeout: 30_000,
      smoke: { startTimeout: 30_000, stopTimeout: 5000 },
      prefix: 'kit',
      isolation: 'shared',
      remote: false,
      command: 'node',
      args: ['s.ts'],
      cwd: w.root,
      watch: undefined,
      http: undefined,
    });
  });

  it('keeps what an entry sets, and smoke.startTimeout over the server startTimeout', async () => {
    const w = await workspace({
      mcpServers: {
        docs: {
          command: 'node',
          cwd: 'servers/docs',
          type: 'http',
          path: '/rpc',
          replicas: 2,
          role: 'resources',
          watch: ['src/**'],
          health: { interval: 1000 },
          startTimeout: 9000,
          smoke: { startTimeout: 4000 },
        },
        late: { command: 'x', startTimeout: 7000, disabled: true },
      },
    });
    const docs = w.servers.get('docs');
    expect(docs).toMatchObject({
      transport: 'http',
      replicas: 2,
      health: { interval: 1000, timeout: 2000, failures: 3 },
      startTimeout: 9000,
      smoke: { startTimeout: 4000, stopTimeout: 5000 },
      cwd: join(w.root, 'servers/docs'),
      watch: { root: join(w.root, 'servers/docs'), globs: ['src/**'] },
      http: { port: undefined, path: '/rpc' },
    });
    expect(docs?.role?.name).toBe('resources');
    expect(w.servers.get('late')).toMatchObject({
      disabled: true,
      startTimeout: 7000,
      smoke: { startTimeout: 7000 },
    });
    expect([...w.servers.keys()]).toEqual(['docs', 'late']);
  });

  it('gives a url entry a url and headers, and no process fields', async () => {
    const w = await workspace({
      mcpServers: { remote: { url: 'https://example.com/mcp', headers: { A: '${B}' } } },
    });
    const remote = w.servers.get('remote');
    expect(remote).toMatchObject({
      remote: true,
      transport: 'http',
      url: 'https://example.com/mcp',
      headers: { A: '${B}' },
      replicas: 1,
    });
    expect(remote).not.toHaveProperty('cwd');
    expect(remote).not.toHaveProperty('command');
  });

  it('takes the gateway prefix and isolation an entry sets', async () => {
    const w = await workspace({
      mcpServers: {
        toolkit: { command: 'node', gateway: { prefix: 'tk' }, isolation: 'session' },
        remote: { url: 'https://example.com/mcp', isolation: 'shared' },
      },
    });
    expect(w.servers.get('toolkit')).toMatchObject({ prefix: 'tk', isolation: 'session' });
    expect(w.servers.get('remote')).toMatchObject({ prefix: 'remote', isolation: 'shared' });
  });
});

describe('workspace.gateway', () => {
  it("is 127.0.0.1:7330 with auth and Claude Code's prefix when the manifest says nothing", async () => {
    const w = await workspace({ mcpServers: {} });
    expect(w.gateway).toEqual({
      host: '127.0.0.1',
      port: 7330,
      auth: true,
      clientPrefix: 'mcp__mcpx__',
    });
  });

  it('keeps what the manifest sets and defaults the rest', async () => {
    const w = await workspace({
      gateway: { port: 8123, auth: false, clientPrefix: 'mcp__dev__' },
      mcpServers: {},
    });
    expect(w.gateway).toEqual({
      host: '127.0.0.1',
      port: 8123,
      auth: false,
      clientPrefix: 'mcp__dev__',
    });
    const exposed = await workspace({ gateway: { host: '0.0.0.0' }, mcpServers: {} });
    expect(exposed.gateway).toEqual({
      host: '0.0.0.0',
      port: 7330,
      auth: true,
      clientPrefix: 'mcp__mcpx__',
    });
  });
});
