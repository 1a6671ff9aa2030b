/**
 * Where the gateway of a workspace listens, and the token it wants: what `mcpx connect`, `mcpx call`
 * and `mcpx tools` need before they can speak MCP to it.
 *
 * The running `mcpx dev` knows its gateway's URL best (`--gateway-port` may differ from the
 * manifest), so it is asked first over the control socket; the manifest's `gateway.host`/`port`
 * (default 127.0.0.1:7330) is where a gateway will appear when none runs yet.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseJsonc } from 'jsonc-parser';
import { join } from 'node:path';
import { controlStatus } from '../control/client.js';
import { ExitCode, McpxError, isMcpxError } from '../errors.js';
import { MANIFEST_FILE } from '../manifest/schema.js';

export const DEFAULT_GATEWAY_HOST = '127.0.0.1';
export const DEFAULT_GATEWAY_PORT = 7330;

/** Where `mcpx dev` keeps the gateway's bearer token (mode 0600, one line, stable across runs). */
export const GATEWAY_TOKEN_FILE = join('.mcpx', 'gateway-token');

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
  const { host, port } = await manifestGateway(root);
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
  return join(root, GATEWAY_TOKEN_FILE);
}

// TODO(h1): replace with src/gateway/token.ts `readGatewayToken` once it is on main.
/** The token of `.mcpx/gateway-token`, or undefined while the file does not exist. */
export async function readGatewayToken(root: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(tokenPath(root), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const token = text.trim();
  return token === '' ? undefined : token;
}

/**
 * The manifest's `gateway.host` and `gateway.port`, read from the raw file: a value of the wrong
 * type falls back to the default here, since `mcpx dev` reports manifest problems itself.
 */
async function manifestGateway(root: string): Promise<{ host: string; port: number }> {
  let gateway: unknown;
  try {
    const manifest = parseJsonc(await readFile(join(root, MANIFEST_FILE), 'utf8')) as unknown;
    gateway = (manifest as { gateway?: unknown } | null)?.gateway;
  } catch {
    gateway = undefined;
  }
  const { host, port } = (typeof gateway === 'object' && gateway !== null ? gateway : {}) as {
    host?: unknown;
    port?: unknown;
  };
  return {
    host: typeof host === 'string' && host !== '' ? host : DEFAULT_GATEWAY_HOST,
    port:
      typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65536
        ? port
        : DEFAULT_GATEWAY_PORT,
  };
}
