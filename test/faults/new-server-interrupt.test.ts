/**
 * Fault: Ctrl-C or SIGTERM while `mcpx new server` runs npm install. The server must be undone:
 * no folder, no manifest entry, the workspace byte for byte as before, npm and its scripts gone.
 * npm runs for real; the workspace's own preinstall script holds it in the install step until the
 * signal comes.
 */
import { execa } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BIN, testPath } from '../helpers/cli.js';
import { snapshotTree } from '../helpers/tree.js';
import { until } from '../helpers/until.js';
import { initWorkspace } from '../helpers/workspace.js';

let base: string;
let ws: string;

beforeAll(async () => {
  ({ base, ws } = await initWorkspace('mcpx-interrupt-'));
  const pkgFile = join(ws, 'package.json');
  const pkg = JSON.parse(await readFile(pkgFile, 'utf8'));
  // No registry packages (the test needs no network); the script says it runs, then waits.
  pkg.devDependencies = {};
  pkg.scripts.preinstall = 'node hold.cjs';
  await writeFile(pkgFile, JSON.stringify(pkg, null, 2));
  await writeFile(
    join(ws, 'hold.cjs'),
    "require('fs').writeFileSync('hold.pid', String(process.pid));\nsetInterval(() => {}, 1000);\n",
  );
});

afterAll(async () => {
  if (base !== undefined) await rm(base, { recursive: true, force: true });
});

it.each(['SIGINT', 'SIGTERM'] as const)(
  '%s during npm install undoes the new server and stops npm',
  async (signal) => {
    const before = await snapshotTree(ws);
    const marker = join(ws, 'hold.pid');
    const child = execa(
      process.execPath,
      [BIN, 'new', 'server', 'late', '-r', 'tools', '-t', 'stdio'],
      {
        cwd: ws,
        reject: false,
        stdin: 'ignore',
        env: { FORCE_COLOR: '0', NO_COLOR: '1', CI: 'true', PATH: testPath() },
      },
    );
    let holder: number | undefined;
    try {
      await until('the preinstall script', () => existsSync(marker), { timeoutMs: 60_000 });
      holder = Number(readFileSync(marker, 'utf8'));
      child.kill(signal);
      const result = await child;
      expect(result.exitCode, String(result.stderr)).toBe(130);
      expect(String(result.stderr)).toContain(
        'Interrupted; late was not created and nothing was left.',
      );
      // npm's script was in mcpx's npm process group, which the interrupt ends.
      await until('the preinstall script to end', () => !isAlive(holder!), { timeoutMs: 10_000 });
      await rm(marker);
      expect(await snapshotTree(ws)).toEqual(before);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      if (holder !== undefined && isAlive(holder)) process.kill(holder, 'SIGKILL');
    }
  },
  120_000,
);

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
