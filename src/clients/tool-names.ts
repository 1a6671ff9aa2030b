/**
 * The tool names a client would see, checked against what clients' models accept
 * (`^[a-zA-Z0-9_-]{1,64}$` with the client's own prefix), from the running gateway: tools exist
 * only while their servers run.
 */
import { isMcpxError } from '../errors.js';
import { listAll, withGatewayClient } from '../gateway/client.js';
import { type GatewayTarget, endpointFor, runningGateway } from '../gateway/locate.js';
import { SEPARATOR, clientNameProblem } from '../gateway/names.js';
import type { Workspace } from '../manifest/load.js';

/** The tools of each running server, by server name; or why they could not be had. */
export type RunningTools =
  { ok: true; byServer: Map<string, string[]>; url: string } | { ok: false; why: string };

/**
 * Every tool of every server of the `mcpx dev` running for the workspace, each from the gateway's
 * `/servers/<name>/mcp` (its own names, all of them: the aggregate leaves out names that do not
 * fit the manifest's clientPrefix, and those are the ones to report).
 */
export async function runningTools(root: string): Promise<RunningTools> {
  let target: GatewayTarget;
  try {
    target = await runningGateway(root);
  } catch (error) {
    if (isMcpxError(error)) return { ok: false, why: error.message.replace(/\.$/, '') };
    throw error;
  }
  const byServer = new Map<string, string[]>();
  for (const server of target.servers) {
    const url = endpointFor(target.url, [server]);
    try {
      const tools = await withGatewayClient(root, target, url, listAll);
      byServer.set(
        server,
        tools.map((t) => t.name),
      );
    } catch (error) {
      return {
        ok: false,
        why: `the gateway at ${url.href} did not list ${server}'s tools (${error instanceof Error ? error.message : String(error)})`,
      };
    }
  }
  return { ok: true, byServer, url: target.url.href };
}

/** How the names of a configuration reach the client: through the gateway, or one entry per server. */
export type NameRoute =
  | { via: 'gateway'; clientPrefix: string }
  | { via: 'direct'; clientPrefix: (server: string) => string };

/** Why each tool name would not work in the client; empty when every one fits. */
export function toolNameProblems(
  workspace: Workspace,
  tools: ReadonlyMap<string, readonly string[]>,
  route: NameRoute,
): string[] {
  const problems: string[] = [];
  for (const [server, names] of tools) {
    const prefix = workspace.servers.get(server)?.prefix ?? server;
    for (const name of names) {
      const problem =
        route.via === 'gateway'
          ? clientNameProblem(`${prefix}${SEPARATOR}${name}`, route.clientPrefix)
          : clientNameProblem(name, route.clientPrefix(server));
      if (problem !== undefined) problems.push(`${server}: ${problem}`);
    }
  }
  return problems;
}

/**
 * What can be said without running servers: a server whose prefix leaves no room for any tool
 * name under the client's prefix.
 */
export function prefixProblems(workspace: Workspace, route: NameRoute): string[] {
  const problems: string[] = [];
  for (const server of workspace.servers.values()) {
    if (server.disabled) continue;
    const seen =
      route.via === 'gateway'
        ? `${route.clientPrefix}${server.prefix}${SEPARATOR}`
        : route.clientPrefix(server.name);
    if (seen.length >= 64) {
      problems.push(
        `${server.name}: "${seen}" is already ${seen.length} characters, so no tool name fits within 64`,
      );
    }
  }
  return problems;
}
