/**
 * Fault: many `mcpx new server` at once in one workspace. Each run that exits 0 must be in
 * mcpx.json with its folder; each that fails must exit 2 and leave nothing. Some names are asked
 * for twice, so that some runs must fail. --no-install: the race is in the manifest edit, and 50
 * npm installs would not finish on 2 cores.
 */
import { readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type CliResult, mcpx } from '../helpers/cli.js';
import { initWorkspace } from '../helpers/workspace.js';

let base: string;
let ws: string;

beforeAll(async () => {
  ({ base, ws } = await initWorkspace('mcpx-race-'));
});

afterAll(async () => {
  if (base !== undefined) await rm(base, { recursive: true, force: true });
});

it('50 concurrent `mcpx new server`: every success is registered, every failure left nothing', async () => {
  // 45 names, 5 of them asked for twice.
  const names = Array.from({ length: 50 }, (_, i) => `s${i < 45 ? i : i - 45}`);
  const results = await Promise.all(
    names.map(async (name): Promise<[string, CliResult]> => [
      name,
      await mcpx(['new', 'server', name, '-r', 'tools', '-t', 'stdio', '--no-install'], {
        cwd: ws,
      }),
    ]),
  );
  const manifest = JSON.parse(await readFile(join(ws, 'mcpx.json'), 'utf8')) as {
    mcpServers: Record<string, { cwd: string }>;
  };
  const registered = Object.keys(manifest.mcpServers).sort();
  const succeeded = results.filter(([, r]) => r.exitCode === 0).map(([name]) => name);
  for (const [name, result] of results) {
    if (result.exitCode !== 0) {
      // Only a clash with a run of the same name may fail, and it is the user's kind of error.
      expect(result.exitCode, `${name}: ${result.stderr}`).toBe(2);
      expect(succeeded, `${name} failed without a twin succeeding: ${result.stderr}`).toContain(
        name,
      );
    }
  }
  expect(registered).toEqual([...new Set(succeeded)].sort());
  expect(succeeded.length).toBe(new Set(succeeded).size);
  expect(succeeded.length).toBe(45);
  // Folders: exactly the registered servers; no staging folders, no lock left behind.
  expect((await readdir(join(ws, 'servers'))).sort()).toEqual(registered);
  expect(await readdir(join(ws, '.mcpx')).catch(() => [])).toEqual([]);
  for (const name of registered) {
    expect(manifest.mcpServers[name]?.cwd).toBe(`servers/${name}`);
    const pkg = JSON.parse(await readFile(join(ws, 'servers', name, 'package.json'), 'utf8'));
    expect(pkg.name).toBe(`@ws/${name}`);
  }
}, 300_000);
