/**
 * Where the gateway of a workspace listens, and the token it wants: what `mcpx connect`, `mcpx call`
 * and `mcpx tools` need before they can speak MCP to it.
 *
 * The running `mcpx dev` knows its gateway's URL best (`--gateway-port` may differ from the
 * manifest), so it is asked first over the control socket; the manifest's `gateway.host`/`port`
 * (default 127.0.0.1:7330) is where a gateway will appear when none runs yet.
 */
import { controlStatus } from '../control/client.js';
import { ExitCode, McpxError, isMcpxError } from '../errors.js';
import { loadWorkspace } from '../manifest/load.js';
import { gatewayTokenFile, readGatewayToken } from './token.js';

/** A gateway to talk to. */
export interface GatewayTarget {
  /** The aggregate endpoint, e.g. http://127.0.0.1:7330/mcp. */
  url: URL;
  /** The bearer token, or undefined when the gateway wants none (`--no-auth`) or it is not made yet. */
  token: string | undefined;
  /** Whether a running `mcpx dev` named this URL, or it is the manifest's (nothing runs). */
  running: boolean;
  /** The servers of the running cluster (empty when nothing runs). */
  servers: string[];
}

/**
 * The gateway of the `mcpx dev` running for `root`. Throws McpxError (exit 4) when none runs, or
 * when it runs without its gateway.
 */
export async function runningGateway(root: string): Promise<GatewayTarget> {
  const snapshot = await controlStatus(root);
  if (snapshot.gateway === undefined) throw gatewayOffError(root);
  const token = snapshot.gateway.auth ? await readGatewayToken(root) : undefined;
  if (snapshot.gateway.auth && token === undefined) {
    throw new McpxError(
      `The gateway of mcpx dev in ${root} wants a token, but ${tokenPath(root)} is missing.`,
      {
        hint: 'restart `mcpx dev`: it writes the token when it starts',
        exitCode: ExitCode.unreachable,
      },
    );
  }
  const servers = [...new Set(snapshot.replicas.map((r) => r.server))];
  return { url: new URL(snapshot.gateway.url), token, running: true, servers };
}

/**
 * The running gateway when there is one, else where the manifest says one will listen (so a
 * bridge can wait for it). Errors other than "mcpx dev is not running" pass on, "gateway off"
 * included: the caller decides whether to wait that out.
 */
export async function expectedGateway(root: string): Promise<GatewayTarget> {
  try {
    return await runningGateway(root);
  } catch (error) {
    if (!isNotRunning(error)) throw error;
  }
  // The manifest's settings, defaults applied: an invalid manifest is worth saying, since mcpx dev
  // would not start with it either.
  const { host, port } = (await loadWorkspace(root)).gateway;
  return {
    url: new URL(`http://${host.includes(':') ? `[${host}]` : host}:${port}/mcp`),
    token: await readGatewayToken(root),
    running: false,
    servers: [],
  };
}

/**
 * The endpoint for some servers only: `/servers/<name>/mcp` for one (names unprefixed), the
 * aggregate restricted with `?servers=a,b` for several, the aggregate itself for none.
 */
export function endpointFor(aggregate: URL, servers: readonly string[]): URL {
  const [only, ...more] = servers;
  if (only === undefined) return new URL(aggregate);
  if (more.length === 0) return new URL(`/servers/${encodeURIComponent(only)}/mcp`, aggregate);
  const url = new URL(aggregate);
  url.searchParams.set('servers', servers.join(','));
  return url;
}

/** The error of a gateway that is not there; exit 4 like "mcpx dev is not running". */
export function gatewayOffError(root: string): McpxError {
  return new McpxError(`mcpx dev in ${root} runs without its gateway (--no-gateway).`, {
    hint: 'stop it and start `mcpx dev` without --no-gateway',
    exitCode: ExitCode.unreachable,
  });
}

/** Whether `error` is the control client's "mcpx dev is not running in <root>". */
export function isNotRunning(error: unknown): boolean {
  return isMcpxError(error) && /^mcpx dev is not running in /.test(error.message);
}

function tokenPath(root: string): string {
  return gatewayTokenFile(root);
}
