import type { Workspace } from '../manifest/load.js';
import type { SmokeCase } from '../manifest/schema.js';
import type { ServerConfig } from '../manifest/servers.js';
import type { Surface } from '../server/surface.js';
import { PidFiles } from '../supervisor/pidfiles.js';
import { type CheckContext, timed } from './check.js';
import { CHECKS } from './checks/index.js';
import { start } from './checks/start.js';
import type { ServerReport } from './types.js';

export interface SmokeServerInput {
  workspace: Workspace;
  server: ServerConfig;
  /** e.g. `mcp__{server}__`. */
  clientPrefix: string;
  cases: readonly SmokeCase[];
  /** The committed surface of this server; undefined when there is none. */
  snapshot: Surface | undefined;
  /** Whether a snapshot file exists at all (to say what to do when it does not). */
  snapshotFile: string | undefined;
  update: boolean;
  parentEnv: NodeJS.ProcessEnv;
  /** Ctrl-C: stop the server (and its tree) now; the checks still to run fail fast and are not reported. */
  signal?: AbortSignal | undefined;
}

/**
 * Starts one server exactly as `mcpx dev` does, runs the checks against it as an MCP client, in
 * the order they are declared, and stops it. Never throws for the server's faults: they are
 * check results.
 */
export async function smokeServer(
  input: SmokeServerInput,
): Promise<{ report: ServerReport; surface: Surface | undefined }> {
  const started = performance.now();
  const { server } = input;
  const { name } = server;
  const report: ServerReport = {
    server: name,
    transport: server.transport,
    role: server.entry.role,
    checks: [],
    stderr: [],
    ms: 0,
  };
  // Killed while a server runs, smoke leaves a record for the next `mcpx dev` to reap.
  const pidRecord = PidFiles.of(input.workspace.root).track(name, 0);
  const { result, instance } = await start(input, report, pidRecord.onSpawn);
  report.checks.push(result);
  if (instance === undefined) {
    await pidRecord.forget();
    for (const check of CHECKS)
      report.checks.push({
        name: check.name,
        status: 'skip',
        ms: 0,
        message: 'the server did not start',
      });
    report.ms = Math.round(performance.now() - started);
    return { report, surface: undefined };
  }
  const interrupt = (): void =>
    void instance.stop({ graceMs: 0, termMs: 1000 }).catch(() => undefined);
  if (input.signal?.aborted) interrupt();
  input.signal?.addEventListener('abort', interrupt, { once: true });

  const context: CheckContext = { input, instance, listed: undefined, surface: undefined };
  for (const check of CHECKS) report.checks.push(await timed(check.name, () => check.run(context)));

  input.signal?.removeEventListener('abort', interrupt);
  await pidRecord.forget();
  report.stderr = instance.stderrTail.slice(-10);
  report.ms = Math.round(performance.now() - started);
  return { report, surface: context.surface };
}
