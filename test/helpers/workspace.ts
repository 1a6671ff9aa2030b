// Throwaway workspaces of fixture servers for tests that drive the built CLI.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClusterSnapshot } from '../../src/supervisor/state.js';
import { mcpx } from './cli.js';
import { until } from './until.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const made: string[] = [];

/** The path of test/fixtures/<name>.ts, for a manifest's args. */
export const fixture = (name: string): string => join(REPO, 'test/fixtures', `${name}.ts`);

/** A temp folder with an mcpx.json of `servers`; removeWorkspaces() deletes it. */
export async function fixtureWorkspace(servers: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mcpx-fault-'));
  made.push(dir);
  await writeFile(join(dir, 'mcpx.json'), JSON.stringify({ mcpServers: servers }, null, 2));
  return dir;
}

/**
 * `mcpx init <name>` in a new temp folder, as a user starts: `base` is the folder (the caller
 * removes it), `ws` the workspace in it.
 */
export async function initWorkspace(
  prefix: string,
  name = 'ws',
): Promise<{ base: string; ws: string }> {
  const base = await mkdtemp(join(tmpdir(), prefix));
  const init = await mcpx(['init', name], { cwd: base });
  if (init.exitCode !== 0)
    throw new Error(`mcpx init ${name} exited ${init.exitCode}: ${init.stderr}`);
  return { base, ws: join(base, name) };
}

export async function removeWorkspaces(): Promise<void> {
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true, maxRetries: 5 });
}

/** `mcpx status --json` of the workspace, or undefined while no mcpx dev answers. */
export async function statusOf(dir: string): Promise<ClusterSnapshot | undefined> {
  const result = await mcpx(['status', '--json'], { cwd: dir });
  return result.exitCode === 0 ? (JSON.parse(result.stdout) as ClusterSnapshot) : undefined;
}

/** Waits until `mcpx status` shows `count` replicas, all ready; `context` adds to a timeout's error. */
export async function readySnapshot(
  dir: string,
  count: number,
  context: () => string = () => '',
): Promise<ClusterSnapshot> {
  let snapshot: ClusterSnapshot | undefined;
  await until(
    `${count} ready replicas`,
    () =>
      snapshot?.replicas.length === count && snapshot.replicas.every((r) => r.state === 'ready'),
    { timeoutMs: 60_000, everyMs: 100 },
    async () => {
      snapshot = await statusOf(dir);
    },
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}; last status: ${JSON.stringify(snapshot)}; ${context()}`);
  });
  return snapshot!;
}

/**
 * node_modules of a scaffolded workspace as `npm install` lays it out for its servers: the
 * workspace's runtime package linked from packages/, the third-party packages the servers import
 * linked from this repository's node_modules (tests do not download them).
 */
export async function linkNodeModules(ws: string): Promise<void> {
  const modules = join(ws, 'node_modules');
  await mkdir(join(modules, '@modelcontextprotocol'), { recursive: true });
  await symlink(
    join(REPO, 'node_modules/@modelcontextprotocol/sdk'),
    join(modules, '@modelcontextprotocol/sdk'),
  );
  await symlink(join(REPO, 'node_modules/zod'), join(modules, 'zod'));
  await symlink(join('..', 'packages', 'mcp-runtime'), join(modules, 'mcp-runtime'));
}
