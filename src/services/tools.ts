import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { closest } from '../closest.js';
import { McpxError } from '../errors.js';
import { listAll, withGatewayClient } from '../gateway/client.js';
import { runningGateway } from '../gateway/locate.js';
import { findWorkspaceRoot } from '../manifest/root.js';

export interface ToolsOptions {
  dir: string;
  /** Only these servers' tools; empty for all. */
  servers: readonly string[];
}

/** The gateway's tools/list result (every page). */
export interface ToolsResult {
  tools: Tool[];
}

/**
 * The tools of the gateway of the `mcpx dev` running for the workspace at `dir`, named as
 * `mcpx call` takes them (`<prefix>__<tool>`), also with --server: the aggregate restricted to
 * those servers rather than `/servers/<name>/mcp`, whose names have no prefix.
 */
export async function gatewayTools(options: ToolsOptions): Promise<ToolsResult> {
  const root = await findWorkspaceRoot(options.dir);
  const target = await runningGateway(root);
  for (const server of options.servers) {
    if (target.servers.includes(server)) continue;
    const near = closest(server, target.servers);
    throw new McpxError(`The cluster of mcpx dev in ${root} has no server "${server}".`, {
      hint: `${near === undefined ? '' : `did you mean "${near}"? `}its servers: ${target.servers.join(', ')}`,
    });
  }
  const url = new URL(target.url);
  if (options.servers.length > 0) url.searchParams.set('servers', options.servers.join(','));
  return withGatewayClient(root, target, url, async (client) => ({ tools: await listAll(client) }));
}
