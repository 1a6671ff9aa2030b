/**
 * The runtime the servers share is one workspace package, packages/mcp-runtime: `mcpx init`
 * writes it, each server depends on it, and `mcpx new server` adds it to a workspace made before
 * it existed. The built CLI in temp folders; no install.
 */
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { mcpx } from '../helpers/cli.js';
import { snapshotTree } from '../helpers/tree.js';
import { initWorkspace } from '../helpers/workspace.js';

const RUNTIME = fileURLToPath(new URL('../../templates/packages/mcp-runtime/', import.meta.url));
const bases: string[] = [];

afterEach(async () => {
  for (const base of bases.splice(0)) await rm(base, { recursive: true, force: true });
});

async function workspace(): Promise<string> {
  const { base, ws } = await initWorkspace('mcpx-runtime-');
  bases.push(base);
  return ws;
}

const json = async (file: string): Promise<Record<string, unknown>> =>
  JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;

it('init writes packages/mcp-runtime; a new server depends on it and carries no copy', async () => {
  const ws = await workspace();
  expect(await snapshotTree(join(ws, 'packages/mcp-runtime'))).toEqual(await snapshotTree(RUNTIME));
  expect((await json(join(ws, 'package.json'))).workspaces).toEqual(['servers/*', 'packages/*']);

  const created = await mcpx(
    ['new', 'server', 'web', '-r', 'tools', '-t', 'http', '--no-install'],
    {
      cwd: ws,
    },
  );
  expect(created.exitCode, created.stderr).toBe(0);
  // A current workspace has the runtime: no step adds it.
  expect(created.stderr + created.stdout).not.toContain('packages/mcp-runtime');
  expect((await json(join(ws, 'servers/web/package.json'))).dependencies).toMatchObject({
    'mcp-runtime': 'file:../../packages/mcp-runtime',
  });
  expect(existsSync(join(ws, 'servers/web/src/runtime'))).toBe(false);
  expect(await readFile(join(ws, 'servers/web/src/http.ts'), 'utf8')).toContain(
    "from 'mcp-runtime/http'",
  );
});

it('new server adds packages/mcp-runtime and packages/* to a workspace made before them', async () => {
  const ws = await workspace();
  // A workspace of an older mcpx: no runtime package, servers/* its only workspaces.
  await rm(join(ws, 'packages'), { recursive: true });
  const pkgFile = join(ws, 'package.json');
  await writeFile(
    pkgFile,
    (await readFile(pkgFile, 'utf8')).replace('"servers/*",\n    "packages/*"', '"servers/*"'),
  );
  expect((await json(pkgFile)).workspaces).toEqual(['servers/*']);

  const created = await mcpx(
    ['new', 'server', 'notes', '-r', 'prompts', '-t', 'stdio', '--no-install'],
    { cwd: ws },
  );
  expect(created.exitCode, created.stderr).toBe(0);
  expect(created.stdout + created.stderr).toContain(
    'Add packages/mcp-runtime, the runtime the servers share',
  );
  expect(await snapshotTree(join(ws, 'packages/mcp-runtime'))).toEqual(await snapshotTree(RUNTIME));
  expect((await json(pkgFile)).workspaces).toEqual(['servers/*', 'packages/*']);
});

it('refuses a packages/mcp-runtime that is another package, and changes nothing', async () => {
  const ws = await workspace();
  const own = join(ws, 'packages/mcp-runtime/package.json');
  await writeFile(own, JSON.stringify({ name: 'my-own-runtime', version: '1.0.0' }));
  const before = await snapshotTree(ws);

  const created = await mcpx(['new', 'server', 'x', '-r', 'tools', '-t', 'stdio', '--no-install'], {
    cwd: ws,
  });
  expect(created.exitCode).toBe(2);
  expect(created.stderr).toContain(
    'packages/mcp-runtime is the package "my-own-runtime", not mcpx\'s mcp-runtime',
  );
  expect(await snapshotTree(ws)).toEqual(before);
});

it('init has no --yes: it asks nothing', async () => {
  const { base } = await initWorkspace('mcpx-runtime-');
  bases.push(base);
  const result = await mcpx(['init', 'other', '--yes'], { cwd: base });
  expect(result.exitCode).toBe(2);
  expect(result.stderr).toContain('`mcpx init` has no flag --yes.');
  expect(existsSync(join(base, 'other'))).toBe(false);
});
