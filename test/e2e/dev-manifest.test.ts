/**
 * Edits of mcpx.json while `mcpx dev` runs: the built CLI, real fixture servers, and edits made as
 * editors and `mcpx new server` make them (a new file renamed over the old one) or in place.
 */
import { readFileSync } from 'node:fs';
import { cp, readFile, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { ReplicaSnapshot } from '../../src/supervisor/state.js';
import { mcpx } from '../helpers/cli.js';
import { type DevProcess, startDevProcess } from '../helpers/dev-process.js';
import { isAlive, waitForExit } from '../helpers/processes.js';
import { fixture, fixtureWorkspace, removeWorkspaces, statusOf } from '../helpers/workspace.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const clusters: DevProcess[] = [];
afterAll(async () => {
  for (const dev of clusters) {
    if (dev.child.exitCode !== null || dev.child.signalCode !== null) continue;
    dev.child.kill('SIGINT');
    if (!(await waitForExit(dev.pid, 15_000))) dev.child.kill('SIGKILL');
  }
  await removeWorkspaces();
});

const good = (env: Record<string, string> = {}): Record<string, unknown> => ({
  command: 'node',
  args: [fixture('good-stdio')],
  ...(Object.keys(env).length === 0 ? {} : { env }),
});

type Servers = Record<string, Record<string, unknown>>;

/** Replaces mcpx.json the way editors and `mcpx new server` do: a new file renamed over it. */
async function replaceManifest(dir: string, servers: Servers): Promise<void> {
  const temp = join(dir, '.mcpx.json.edit.tmp');
  await writeFile(temp, JSON.stringify({ mcpServers: servers }, null, 2));
  await rename(temp, join(dir, 'mcpx.json'));
}

async function replicas(dir: string): Promise<ReplicaSnapshot[]> {
  return (await statusOf(dir))?.replicas ?? [];
}

function environ(pid: number): string[] {
  return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
}

describe('mcpx dev follows edits of mcpx.json', () => {
  it('starts added servers, restarts changed ones, rescales, keeps running on an invalid edit, stops removed ones', async () => {
    const servers: Servers = { first: good() };
    const dir = await fixtureWorkspace(servers);
    const dev = startDevProcess(dir);
    clusters.push(dev);
    await dev.waitFor(/mcpx\s+\| watching mcpx\.json for changes/, 30_000);

    // Added (atomic rename): started, and `mcpx restart` knows it.
    dev.mark();
    await replaceManifest(dir, { ...servers, late: good() });
    await dev.waitFor(/mcpx\s+\| mcpx\.json changed: started late$/);
    await dev.waitFor(/late\s+\| ready in \d+ ms/);
    const restarted = await mcpx(['restart', 'late'], { cwd: dir });
    expect(restarted.exitCode, restarted.stderr).toBe(0);
    expect(restarted.stdout).toContain('Restarted late (1 replica)');

    // Changed env: started again with the new settings.
    const before = (await replicas(dir)).find((r) => r.server === 'late');
    dev.mark();
    await replaceManifest(dir, { ...servers, late: good({ FIXTURE_VERSION: '2' }) });
    await dev.waitFor(/mcpx\s+\| mcpx\.json changed: restarted late \(env changed\)$/);
    await dev.waitFor(/late\s+\| ready in \d+ ms/);
    const after = (await replicas(dir)).find((r) => r.server === 'late');
    expect(after?.pid).not.toBe(before?.pid);
    expect(await waitForExit(before?.pid ?? -1, 5000)).toBe(true);
    expect(environ(after?.pid ?? -1)).toContain('FIXTURE_VERSION=2');

    // Replicas, edited in place this time: one more replica, the first one untouched.
    const first = (await replicas(dir)).find((r) => r.server === 'first');
    dev.mark();
    await writeFile(
      join(dir, 'mcpx.json'),
      JSON.stringify(
        { mcpServers: { first: { ...good(), replicas: 2 }, late: good({ FIXTURE_VERSION: '2' }) } },
        null,
        2,
      ),
    );
    await dev.waitFor(/mcpx\s+\| mcpx\.json changed: first: 1 -> 2 replicas$/);
    await dev.waitFor(/first#1\s+\| ready in \d+ ms/);
    const scaled = await replicas(dir);
    expect(scaled.map((r) => [r.server, r.replica, r.state])).toEqual([
      ['first', 0, 'ready'],
      ['first', 1, 'ready'],
      ['late', 0, 'ready'],
    ]);
    expect(scaled[0]?.pid).toBe(first?.pid);

    // Invalid: a located error, and everything keeps running as it was.
    const invalid = (await readFile(join(dir, 'mcpx.json'), 'utf8')).replace(
      '"command": "node"',
      '"command": 42',
    );
    const line = invalid.split('\n').findIndex((l) => l.includes('"command": 42')) + 1;
    dev.mark();
    await writeFile(join(dir, 'mcpx.json'), invalid);
    await dev.waitFor(
      /mcpx\s+\| mcpx\.json changed, but it cannot be used; the servers keep running/,
    );
    expect(
      await dev.waitFor(/mcpx\s+\|\s+mcpx\.json:\d+:\d+\s+mcpServers\.first\.command/),
    ).toContain(
      `mcpx.json:${line}:18  mcpServers.first.command: expected a string, found number 42`,
    );
    expect((await replicas(dir)).map((r) => [r.server, r.state, r.pid])).toEqual(
      scaled.map((r) => [r.server, r.state, r.pid]),
    );

    // Removed: stopped, and the cluster no longer knows it.
    const late = after?.pid ?? -1;
    dev.mark();
    await replaceManifest(dir, { first: { ...good(), replicas: 2 } });
    await dev.waitFor(/mcpx\s+\| mcpx\.json changed: stopped late$/);
    expect(await waitForExit(late, 10_000)).toBe(true);
    const gone = await mcpx(['restart', 'late'], { cwd: dir });
    expect(gone.exitCode).toBe(2);
    expect(gone.stderr).toContain('No running server named "late"');

    const pids = (await replicas(dir)).map((r) => r.pid ?? -1);
    dev.child.kill('SIGINT');
    expect((await dev.exited).code).toBe(0);
    for (const pid of pids) expect(isAlive(pid), `pid ${pid}`).toBe(false);
  }, 120_000);

  it('starts a server that `mcpx new server` adds, watches its files, and `mcpx restart` knows it', async () => {
    const dir = await fixtureWorkspace({ first: good() });
    await symlink(join(REPO, 'node_modules'), join(dir, 'node_modules'));
    await cp(join(REPO, 'examples/tsconfig.base.json'), join(dir, 'tsconfig.base.json'));
    await writeFile(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'ws', private: true, type: 'module' }),
    );
    const dev = startDevProcess(dir);
    clusters.push(dev);
    await dev.waitFor(/mcpx\s+\| watching mcpx\.json for changes/, 30_000);
    dev.mark();
    const created = await mcpx(
      ['new', 'server', 'late', '-r', 'tools', '-t', 'stdio', '--no-install', '--yes'],
      { cwd: dir },
    );
    expect(created.exitCode, created.stderr).toBe(0);
    await dev.waitFor(/mcpx\s+\| mcpx\.json changed: started late$/);
    await dev.waitFor(/late\s+\| ready in \d+ ms \(pid \d+\): \d+ tools/, 30_000);
    await dev.waitFor(/mcpx\s+\| watching mcpx\.json and the files of late for changes/);
    const restarted = await mcpx(['restart', 'late'], { cwd: dir });
    expect(restarted.exitCode, restarted.stderr).toBe(0);
    expect(restarted.stdout).toContain('Restarted late (1 replica)');
    dev.child.kill('SIGINT');
    expect((await dev.exited).code).toBe(0);
  }, 60_000);

  it('with --server, starts, stops and changes only the selected servers', async () => {
    const dir = await fixtureWorkspace({ first: good(), other: good(), late: good() });
    const dev = startDevProcess(dir, ['--server', 'first,late']);
    clusters.push(dev);
    await dev.waitFor(/mcpx\s+\| watching mcpx\.json for changes/, 30_000);
    dev.mark();
    await replaceManifest(dir, {
      first: good({ FIXTURE_VERSION: '3' }),
      other: good({ FIXTURE_VERSION: '3' }),
      extra: good(),
    });
    const line = await dev.waitFor(/mcpx\s+\| mcpx\.json changed: /);
    expect(line).toMatch(/mcpx\.json changed: stopped late; restarted first \(env changed\)$/);
    await dev.waitFor(/first\s+\| ready in/);
    expect((await replicas(dir)).map((r) => r.server)).toEqual(['first']);
    dev.mark();
    await replaceManifest(dir, { first: good({ FIXTURE_VERSION: '3' }), late: good() });
    expect(await dev.waitFor(/mcpx\s+\| mcpx\.json changed: /)).toMatch(/changed: started late$/);
    await dev.waitFor(/late\s+\| ready in/);
    expect((await replicas(dir)).map((r) => r.server)).toEqual(['first', 'late']);
    dev.child.kill('SIGINT');
    expect((await dev.exited).code).toBe(0);
  }, 60_000);
});
