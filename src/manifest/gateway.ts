import { BlockList, isIP } from 'node:net';
import type { Manifest } from './schema.js';

/** The gateway settings of a workspace, every default applied (`workspace.gateway`). */
export interface GatewaySettings {
  /** The address the gateway binds. */
  host: string;
  port: number;
  /** Whether `/mcp` and `/servers/*` require the bearer token of `.mcpx/gateway-token`. */
  auth: boolean;
  /** What the user's MCP client puts before each tool name (Claude Code: `mcp__<name>__`). */
  clientPrefix: string;
}

export const DEFAULT_GATEWAY: Readonly<GatewaySettings> = {
  host: '127.0.0.1',
  port: 7330,
  auth: true,
  clientPrefix: 'mcp__mcpx__',
};

/** The manifest's `gateway` section with every default applied. */
export function gatewaySettings(manifest: Manifest): GatewaySettings {
  return { ...DEFAULT_GATEWAY, ...manifest.gateway };
}

/** How a server's own names are joined to its prefix in the aggregate: `<prefix>__<name>`. */
export const PREFIX_SEPARATOR = '__';

/** The longest tool or prompt name most LLM APIs accept (`^[a-zA-Z0-9_-]{1,64}$`), client prefix included. */
export const CLIENT_NAME_MAX = 64;

/**
 * Characters left for a tool or prompt name of a server with `prefix` once the client has put
 * `clientPrefix` before `<prefix>__`: the aggregate keeps `clientPrefix + prefix + "__" + name`
 * within {@link CLIENT_NAME_MAX}, and never truncates a name to get there.
 */
export function nameRoom(clientPrefix: string, prefix: string): number {
  return CLIENT_NAME_MAX - clientPrefix.length - prefix.length - PREFIX_SEPARATOR.length;
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * Whether a gateway bound to `host` is reachable from this machine only: `localhost`, 127.0.0.0/8
 * or ::1 (also IPv4-mapped). `0.0.0.0` and `::` are every interface, so not loopback.
 */
export function isLoopbackHost(host: string): boolean {
  if (host.toLowerCase() === 'localhost') return true;
  const family = isIP(host);
  return family !== 0 && LOOPBACK.check(host, family === 6 ? 'ipv6' : 'ipv4');
}

/** Why `host` cannot be bound, or undefined: an IP address, or a host name (RFC 1123). */
export function hostProblem(host: string): string | undefined {
  if (isIP(host) !== 0) return undefined;
  const label = /^(?!-)[a-zA-Z0-9-]{1,63}(?<!-)$/;
  if (host.length <= 253 && host.split('.').every((part) => label.test(part))) return undefined;
  return 'expected an IP address (127.0.0.1, ::1) or a host name (localhost), without brackets or a port';
}

/** The message for a gateway that other machines could reach without a token. */
export function exposedWithoutAuth(host: string): string {
  return `a gateway reachable from other machines needs its token: "host" is "${host}", which is not a loopback address; remove "auth": false (clients then send the token of .mcpx/gateway-token), or bind 127.0.0.1`;
}
