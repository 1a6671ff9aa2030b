import { join } from 'node:path';
import { expandEnv, serverEnvironment } from '../manifest/env.js';
import type { Workspace } from '../manifest/load.js';
import type { ServerConfig } from '../manifest/servers.js';
import type { InstanceSpec } from '../server/instance.js';
import { freePort } from './ports.js';

export interface SpecInput {
  workspace: Workspace;
  server: ServerConfig;
  replica: number;
  parentEnv: NodeJS.ProcessEnv;
  /** Overrides the server's own start timeout (smoke has its own). */
  startTimeout?: number | undefined;
  /**
   * An HTTP server mcpx starts gets it as MCP_AUTH_TOKEN (unless its entry's env sets that, even
   * to "" for none), and the client sends the token in effect as `Authorization: Bearer`.
   */
  authToken?: string | undefined;
}

/**
 * How to start (or reach) one instance of a server: the command with `node` resolved to mcpx's
 * own Node, the server's minimal environment, and a free port for an HTTP server. Shared by
 * `mcpx dev` and `mcpx smoke`, so both run a server exactly the same way.
 */
export async function instanceSpec(input: SpecInput): Promise<InstanceSpec> {
  const { workspace, server, parentEnv } = input;
  const common = {
    server: server.name,
    replica: input.replica,
    transport: server.transport,
    startTimeout: input.startTimeout ?? server.startTimeout,
    requestTimeout: 10_000,
  };
  if (server.remote) {
    const headers = Object.fromEntries(
      Object.entries(server.headers).map(([k, v]) => [k, expandEnv(v, parentEnv)]),
    );
    return { ...common, url: server.url, headers, detect: server.detect };
  }
  const env = serverEnvironment(server.entry, server.role, parentEnv);
  const node = server.command === 'node';
  // Node's compile cache lets every start after the first skip recompiling the SDK and the
  // server: most of a reload's cost (see bench/reload.js). Kept in .mcpx/ with the run state.
  if (node && env.NODE_COMPILE_CACHE === undefined) {
    env.NODE_COMPILE_CACHE = join(workspace.root, '.mcpx', 'compile-cache');
  }
  let port: number | undefined;
  let url: string | undefined;
  if (server.http !== undefined) {
    port = server.http.port ?? (await freePort());
    env.PORT = String(port);
    url = `http://127.0.0.1:${port}${server.http.path}`;
    if (input.authToken !== undefined && server.entry.env?.MCP_AUTH_TOKEN === undefined)
      env.MCP_AUTH_TOKEN = input.authToken;
  }
  const token = server.transport === 'stdio' ? undefined : env.MCP_AUTH_TOKEN;
  return {
    ...common,
    port,
    url,
    headers: token ? { Authorization: `Bearer ${token}` } : undefined,
    launch: {
      // `node` is the Node that runs mcpx: scaffolded TypeScript servers need a Node that strips types.
      command: node ? process.execPath : server.command,
      args: server.args,
      cwd: server.cwd,
      env,
    },
  };
}
