import { controlStatus } from '../control/client.js';
import { readGatewayToken } from '../gateway/token.js';
import { findWorkspaceRoot } from '../manifest/root.js';
import type { ClusterSnapshot, GatewaySnapshot } from '../supervisor/state.js';

/** What `mcpx status --json` prints: the snapshot, its gateway with the token scripts send. */
export type StatusReport = ClusterSnapshot & {
  gateway?: (GatewaySnapshot & { token?: string | undefined }) | undefined;
};

/**
 * The state of every replica of the `mcpx dev` running for the workspace that holds `dir`.
 * With `token`, a gateway that requires auth comes with the token of `.mcpx/gateway-token`, so a
 * script can call it (`curl -H "Authorization: Bearer $(mcpx status --json | jq -r .gateway.token)"`).
 * Throws McpxError (exit 4) when none runs there.
 */
export async function clusterStatus(
  dir: string,
  options: { token?: boolean } = {},
): Promise<StatusReport> {
  const root = await findWorkspaceRoot(dir);
  const snapshot = await controlStatus(root);
  if (options.token !== true || snapshot.gateway?.auth !== true) return snapshot;
  const token = await readGatewayToken(root);
  return token === undefined ? snapshot : { ...snapshot, gateway: { ...snapshot.gateway, token } };
}
