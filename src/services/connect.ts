import { McpxError } from '../errors.js';
import { runBridge } from '../gateway/bridge.js';
import { expectedGateway } from '../gateway/locate.js';
import { findWorkspaceRoot } from '../manifest/root.js';

export interface ConnectOptions {
  dir: string;
  servers: readonly string[];
  version: string;
  /** The bridge's own messages (stderr: stdout carries the protocol). */
  log: (line: string) => void;
}

/**
 * Bridges stdin/stdout to the gateway of the workspace at `dir` until the client closes stdin.
 * Clients start it with a working folder of their choosing, so a workspace not found from `dir`
 * says how to name it in the client's configuration.
 */
export async function connectBridge(options: ConnectOptions): Promise<void> {
  let root: string;
  try {
    root = await findWorkspaceRoot(options.dir);
  } catch (error) {
    if (!(error instanceof McpxError)) throw error;
    throw new McpxError(error.message, {
      hint: 'MCP clients start `mcpx connect` in a folder of their choosing: pass the workspace as an absolute path, e.g. args ["connect", "--dir", "/home/me/my-workspace"]',
      cause: error,
    });
  }
  await runBridge({
    root,
    servers: options.servers,
    locate: () => expectedGateway(root),
    log: options.log,
    version: options.version,
  });
}
