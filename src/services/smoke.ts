import { constants } from 'node:fs';
import { access, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { ExitCode, McpxError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { jsonProblems, loadWorkspace, manifestError } from '../manifest/load.js';
import { selectServers } from '../manifest/select.js';
import { unsetEnvNames } from '../manifest/env.js';
import { MANIFEST_FILE, type SmokeCase, SmokeEntrySchema } from '../manifest/schema.js';
import { toJUnit } from '../smoke/junit.js';
import { smokeServer } from '../smoke/run-server.js';
import { type Surface, canonical } from '../server/surface.js';
import type { SmokeReport } from '../smoke/types.js';

/** Cases kept beside the manifest instead of in it: `{ "<server>": { "cases": [...] } }`. */
export const SMOKE_FILE = 'mcpx.smoke.json';
export const DEFAULT_SNAPSHOT_FILE = 'mcpx.snapshot.json';
export const DEFAULT_CLIENT_PREFIX = 'mcp__{server}__';

export interface SmokeOptions {
  dir: string;
  servers?: readonly string[] | undefined;
  /** Write the surface snapshot instead of comparing with it. */
  update: boolean;
  /** Also write a JUnit XML report here. */
  junit?: string | undefined;
  /** Servers checked at the same time (default 4). */
  concurrency?: number;
  /**
   * Ctrl-C: stop the servers being checked (their whole trees), start no more, write no report,
   * and throw an McpxError with exit 130.
   */
  signal?: AbortSignal | undefined;
}

const SnapshotFileSchema = z.object({ servers: z.record(z.string(), z.unknown()) });

/**
 * The CI smoke test: starts every server of the workspace (or the named ones) the way `mcpx dev`
 * does, checks each as an MCP client, stops it, and reports. A server's faults are results, not
 * exceptions; only bad usage or a bad manifest, smoke file or snapshot throws (exit 2).
 */
export async function runSmoke(options: SmokeOptions): Promise<SmokeReport> {
  const started = performance.now();
  const workspace = await loadWorkspace(options.dir);
  const selected = selectServers(workspace, options.servers);
  if (selected.length === 0) {
    throw new McpxError(`No servers to check in ${workspace.file}.`, {
      hint: 'add one with `mcpx new server`',
    });
  }

  if (options.junit !== undefined) await assertWritable(options.junit);
  const fileCases = await readSmokeFile(workspace.root);
  const notices = [
    ...[...fileCases.keys()]
      .filter((name) => !workspace.servers.has(name))
      .map(
        (name) =>
          `${SMOKE_FILE} has cases for ${JSON.stringify(name)}, which is not a server in ${MANIFEST_FILE}; they never run.`,
      ),
    ...selected.flatMap(({ name, entry }) =>
      unsetEnvNames(entry, process.env).map(
        (variable) =>
          `${name}: env uses \${${variable}}, which is not set here; the server gets "" for it.`,
      ),
    ),
  ];
  const snapshotRel = workspace.manifest.smoke?.snapshot ?? DEFAULT_SNAPSHOT_FILE;
  const snapshotPath = join(workspace.root, snapshotRel);
  const snapshots = await readSnapshot(snapshotPath);
  const clientPrefix = workspace.manifest.smoke?.clientPrefix ?? DEFAULT_CLIENT_PREFIX;

  const results = await mapLimit(
    selected,
    options.concurrency ?? 4,
    (server) =>
      smokeServer({
        workspace,
        server,
        clientPrefix,
        cases: [...(server.entry.smoke?.cases ?? []), ...(fileCases.get(server.name) ?? [])],
        snapshot: (snapshots !== undefined && Object.hasOwn(snapshots, server.name)
          ? snapshots[server.name]
          : undefined) as Surface | undefined,
        snapshotFile: snapshots === undefined ? undefined : snapshotRel,
        update: options.update,
        parentEnv: process.env,
        signal: options.signal,
      }),
    options.signal,
  );
  if (options.signal?.aborted) {
    throw new McpxError(
      `Interrupted: mcpx smoke stopped the servers it had started; no report or snapshot was written.`,
      { exitCode: ExitCode.interrupted },
    );
  }

  const servers = results.map((r) => r.report);
  const all = servers.flatMap((s) => s.checks);
  const notStarted = servers.some(
    (s) => s.checks.find((c) => c.name === 'start')?.status === 'fail',
  );
  const failed = all.filter((c) => c.status === 'fail').length;
  const report: SmokeReport = {
    root: workspace.root,
    servers,
    passed: all.filter((c) => c.status === 'pass' || c.status === 'warn').length,
    failed,
    skipped: all.filter((c) => c.status === 'skip').length,
    warnings: all.filter((c) => c.status === 'warn').length,
    exitCode: notStarted ? ExitCode.unreachable : failed > 0 ? ExitCode.checkFailed : ExitCode.ok,
    ms: 0,
    notices,
  };
  if (options.update) {
    const merged: Record<string, unknown> = { ...snapshots };
    for (const { report: server, surface } of results)
      if (surface !== undefined) merged[server.server] = surface;
    await writeSnapshot(snapshotPath, merged);
    report.snapshotWritten = relative(process.cwd(), snapshotPath) || snapshotPath;
  }
  report.ms = Math.round(performance.now() - started);
  if (options.junit !== undefined) await writeFile(options.junit, toJUnit(report));
  return report;
}

/**
 * Fails before any server runs when the report could not be written afterwards: a missing or
 * read-only folder would otherwise lose the results of a whole run.
 */
async function assertWritable(file: string): Promise<void> {
  const path = resolve(file);
  const folder = dirname(path);
  const isFolder = await stat(folder).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isFolder) {
    throw new McpxError(`--output ${file}: the folder ${folder} does not exist.`, {
      hint: `create it first (mkdir -p ${folder}) or write the report elsewhere`,
    });
  }
  const target = await stat(path).catch(() => undefined);
  if (target !== undefined && !target.isFile()) {
    throw new McpxError(`--output ${file} is a folder, not a file.`, {
      hint: `name a file in it, e.g. --output ${join(file, 'mcpx-smoke.xml')}`,
    });
  }
  await access(target === undefined ? folder : path, constants.W_OK).catch((error: unknown) => {
    throw new McpxError(
      `--output ${file}: mcpx may not write ${target === undefined ? `in ${folder}` : path}.`,
      {
        hint: 'check its owner and mode, or write the report elsewhere',
        cause: error,
      },
    );
  });
}

async function readSmokeFile(root: string): Promise<Map<string, SmokeCase[]>> {
  const file = join(root, SMOKE_FILE);
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return new Map();
  const checked = jsonProblems(text, z.record(z.string(), SmokeEntrySchema));
  if (!checked.ok) throw manifestError(file, checked.problems);
  return new Map(Object.entries(checked.value).map(([name, entry]) => [name, entry.cases ?? []]));
}

async function readSnapshot(file: string): Promise<Record<string, unknown> | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const checked = jsonProblems(text, SnapshotFileSchema);
  if (!checked.ok) {
    const error = manifestError(file, checked.problems);
    throw new McpxError(error.message, {
      hint: 'restore it from git, or run `mcpx smoke --update` to write it anew',
    });
  }
  return checked.value.servers;
}

/** Sorted keys at every depth, two-space indent, final newline: a file that diffs well in review. */
async function writeSnapshot(file: string, servers: Record<string, unknown>): Promise<void> {
  const text = `${JSON.stringify(canonical({ servers }), null, 2)}\n`;
  const exists = await readFile(file, 'utf8').then(
    () => true,
    () => false,
  );
  if (exists) await writeFileAtomic(file, text);
  else await writeFile(file, text, { flag: 'wx' });
}

/**
 * Runs `fn` over `items` with at most `limit` at a time, keeping the order of results; once `signal`
 * aborts, no more items start (their results stay empty).
 */
async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
  signal?: AbortSignal,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && signal?.aborted !== true) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
