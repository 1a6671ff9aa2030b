import { controlStatus } from '../control/client.js';
import { findWorkspaceRoot } from '../manifest/load.js';
import type { ClusterSnapshot } from '../supervisor/state.js';

/**
 * The state of every replica of the `mcpx dev` running for the workspace that holds `dir`.
 * Throws McpxError (exit 4) when none runs there.
 */
export async function clusterStatus(dir: string): Promise<ClusterSnapshot> {
  return controlStatus(await findWorkspaceRoot(dir));
}
