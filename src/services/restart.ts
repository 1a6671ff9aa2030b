import { controlRestart } from '../control/client.js';
import { findWorkspaceRoot } from '../manifest/root.js';

export interface RestartResult {
  server: string;
  /** How many replicas `mcpx dev` stopped and started again. */
  restarted: number;
}

/**
 * Asks the `mcpx dev` running for the workspace that holds `dir` to restart every replica of
 * `server`, and waits until it has. The running cluster decides which names exist (an edited
 * mcpx.json may not be loaded yet), so an unknown name is its error, passed on as it is.
 */
export async function restartServer(dir: string, server: string): Promise<RestartResult> {
  const { restarted } = await controlRestart(await findWorkspaceRoot(dir), server);
  return { server, restarted };
}
