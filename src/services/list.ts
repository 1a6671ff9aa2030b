import { lstat } from 'node:fs/promises';
import { unsetEnvNames } from '../manifest/env.js';
import { loadWorkspace } from '../manifest/load.js';

export interface ServerSummary {
  name: string;
  role: string | undefined;
  /** `http|sse`: a `url` with no type, tried over Streamable HTTP first, then legacy SSE. */
  transport: 'stdio' | 'http' | 'sse' | 'http|sse';
  /** How it is started (`node src/stdio.ts`) or reached (a URL). */
  launch: string;
  cwd: string | undefined;
  replicas: number;
  disabled: boolean;
  /** A problem a user should know before running it (a missing folder, say). */
  problem: string | undefined;
}

export interface ListResult {
  root: string;
  manifest: string;
  servers: ServerSummary[];
}

function problemsOf(missingCwd: string | undefined, unset: string[]): string | undefined {
  const problems = [
    ...(missingCwd === undefined ? [] : [`cwd ${missingCwd} does not exist`]),
    ...unset.map((name) => `\${${name}} is not set`),
  ];
  return problems.length > 0 ? problems.join('; ') : undefined;
}

/** The servers of a workspace as mcpx will run them. */
export async function listServers(dir: string): Promise<ListResult> {
  const workspace = await loadWorkspace(dir);
  const servers = await Promise.all(
    [...workspace.servers.values()].map(async (server) => {
      const { name, entry } = server;
      const cwdMissing =
        !server.remote &&
        entry.cwd !== undefined &&
        (await lstat(server.cwd).then(
          () => false,
          () => true,
        ));
      return {
        name,
        role: entry.role,
        transport: server.remote && server.detect ? ('http|sse' as const) : server.transport,
        launch: server.remote ? server.url : [server.command, ...server.args].join(' '),
        // As written in mcpx.json: relative to the workspace.
        cwd: entry.cwd,
        replicas: server.replicas,
        disabled: server.disabled,
        problem: problemsOf(cwdMissing ? entry.cwd : undefined, unsetEnvNames(entry, process.env)),
      };
    }),
  );
  return { root: workspace.root, manifest: workspace.file, servers };
}
