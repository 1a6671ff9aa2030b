import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { detectMcpxSpec, givenMcpxSpec } from '../../src/scaffold/mcpx-spec.js';

let base: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'mcpx-spec-'));
});
afterEach(() => rm(base, { recursive: true, force: true }));

/** A project with mcpx installed in node_modules, and npm's hidden lockfile entry for it. */
async function installedWith(entry: Record<string, unknown>): Promise<string> {
  const project = join(base, 'project');
  const root = join(project, 'node_modules', 'mcpx');
  await mkdir(root, { recursive: true });
  await writeFile(
    join(project, 'node_modules', '.package-lock.json'),
    JSON.stringify({ packages: { 'node_modules/mcpx': entry } }),
  );
  return root;
}

it.each([
  [
    'a registry version',
    { version: '0.3.1', resolved: 'https://registry.npmjs.org/mcpx/-/mcpx-0.3.1.tgz' },
    { spec: '^0.3.1', from: 'registry', local: false },
  ],
  [
    'a git URL with its commit',
    { version: '0.1.0', resolved: 'git+ssh://git@github.com/acme/mcpx.git#0123abcd' },
    { spec: 'git+ssh://git@github.com/acme/mcpx.git#0123abcd', from: 'git', local: false },
  ],
  [
    'a tarball URL',
    { version: '0.1.0', resolved: 'https://example.com/dl/mcpx-0.1.0.tgz' },
    { spec: 'https://example.com/dl/mcpx-0.1.0.tgz', from: 'url', local: false },
  ],
])('records %s as it was installed', async (_what, entry, expected) => {
  const root = await installedWith(entry);
  expect(await detectMcpxSpec(root, '0.1.0', join(base, 'ws'))).toEqual(expected);
});

it('a local tarball is a path on this machine, absolute', async () => {
  const root = await installedWith({ version: '0.1.0', resolved: 'file:../mcpx-0.1.0.tgz' });
  expect(await detectMcpxSpec(root, '0.1.0', join(base, 'ws'))).toEqual({
    spec: `file:${join(base, 'mcpx-0.1.0.tgz')}`,
    from: 'tarball',
    local: true,
  });
});

it('a checkout is a folder: relative when the workspace is inside it, absolute otherwise', async () => {
  const checkout = join(base, 'mcpx');
  expect(await detectMcpxSpec(checkout, '0.1.0', join(checkout, 'examples'))).toEqual({
    spec: 'file:..',
    from: 'folder',
    local: true,
  });
  expect((await detectMcpxSpec(checkout, '0.1.0', join(base, 'ws'))).spec).toBe(`file:${checkout}`);
});

it('a spec given with --mcpx-spec is kept as it is', () => {
  expect(givenMcpxSpec('github:acme/mcpx#v0.1.0')).toEqual({
    spec: 'github:acme/mcpx#v0.1.0',
    from: 'flag',
    local: false,
  });
  expect(givenMcpxSpec('file:../mcpx.tgz').local).toBe(true);
});
