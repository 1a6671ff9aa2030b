import { join, resolve } from 'node:path';
import { expandEnv, serverEnvironment } from '../manifest/env.js';
import type { Workspace } from '../manifest/load.js';
import { DEFAULT_HTTP_PATH, type ServerEntry, transportOf } from '../manifest/schema.js';
import type { InstanceSpec } from '../server/instance.js';
import { freePort } from './ports.js';

export interface SpecInput {
  workspace: Workspace;
  name: string;
  replica: number;
  entry: ServerEntry;
  parentEnv: NodeJS.ProcessEnv;
  startTimeout?: number | undefined;
  /**
   * An HTTP server mcpx starts gets it as MCP_AUTH_TOKEN (unless its entry's env sets that, even
   * to "" for none), and the client sends the token in effect as `Authorization: Bearer`.
   */
  authToken?: string | undefined;
}

/**
 * How to start (or reach) one instance of a manifest entry: the command with `node` resolved to
 * mcpx's own Node, the server's minimal environment, and a free port for an HTTP server. Shared
 * by `mcpx dev` and `mcpx smoke`, so both run a server exactly the same way.
 */
export async function instanceSpec(input: SpecInput): Promise<InstanceSpec> {
  const { workspace, entry, parentEnv } = input;
  const role = entry.role === undefined ? undefined : workspace.roles.get(entry.role);
  const transport = transportOf(entry);
  const common = {
    server: input.name,
    replica: input.replica,
    transport,
    startTimeout: input.startTimeout ?? 30_000,
    requestTimeout: 10_000,
  };
  if (entry.url !== undefined) {
    const headers = Object.fromEntries(
      Object.entries(entry.headers ?? {}).map(([k, v]) => [k, expandEnv(v, parentEnv)]),
    );
    return { ...common, url: entry.url, headers };
  }
  const env = serverEnvironment(entry, role, parentEnv);
  const node = entry.command === 'node';
  // Node's compile cache lets every start after the first skip recompiling the SDK and the
  // server: most of a reload's cost (see bench/reload.js). Kept in .mcpx/ with the run state.
  if (node && env.NODE_COMPILE_CACHE === undefined) {
    env.NODE_COMPILE_CACHE = join(workspace.root, '.mcpx', 'compile-cache');
  }
  let port: number | undefined;
  let url: string | undefined;
  if (transport === 'http') {
    port = entry.port ?? (await freePort());
    env.PORT = String(port);
    url = `http://127.0.0.1:${port}${entry.path ?? DEFAULT_HTTP_PATH}`;
    if (input.authToken !== undefined && entry.env?.MCP_AUTH_TOKEN === undefined)
      env.MCP_AUTH_TOKEN = input.authToken;
  }
  const token = transport === 'http' ? env.MCP_AUTH_TOKEN : undefined;
  return {
    ...common,
    port,
    url,
    headers: token ? { Authorization: `Bearer ${token}` } : undefined,
    launch: {
      // `node` is the Node that runs mcpx: scaffolded TypeScript servers need a Node that strips types.
      command: node ? process.execPath : (entry.command ?? ''),
      args: entry.args ?? [],
      cwd: resolve(workspace.root, entry.cwd ?? '.'),
      env,
    },
  };
}
