import { systemClock } from '../clock.js';
import { McpxError } from '../errors.js';
import { CLUSTER, GATEWAY, type LogEvent } from '../logs/event.js';
import { isLoopbackHost } from '../manifest/gateway.js';
import type { Workspace } from '../manifest/load.js';
import type { Replica } from '../supervisor/replica.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { ALL_SERVERS } from './downstream.js';
import { Gateway } from './gateway.js';
import { GatewayServer } from './http.js';
import { gatewayToken, gatewayTokenFile } from './token.js';

/** The gateway of an `mcpx dev`: its core and its HTTP side. */
export interface RunningGateway {
  core: Gateway;
  http: GatewayServer;
  auth: boolean;
}

/**
 * Starts the gateway over the supervisor's replicas (it starts no server itself) and listens, before
 * any server starts: a port in use fails `mcpx dev` at once, and clients can connect (and get
 * lists as servers become ready) meanwhile.
 */
export async function startGateway(
  workspace: Workspace,
  supervisor: Supervisor,
  emit: (event: LogEvent) => void | Promise<void>,
  overrides: { port?: number | undefined; auth?: boolean | undefined },
): Promise<RunningGateway> {
  const settings = workspace.gateway;
  const auth = overrides.auth ?? settings.auth;
  if (!auth && !isLoopbackHost(settings.host))
    throw new McpxError(
      `--no-auth is refused: the gateway listens on ${settings.host}, which other machines can reach, and would let them call every tool.`,
      { hint: 'keep the token, or set "gateway": {"host": "127.0.0.1"} in mcpx.json' },
    );
  let token: string | undefined;
  if (auth) {
    const found = await gatewayToken(workspace.root);
    token = found.token;
    if (found.warning !== undefined) await emit(clusterEvent('warning', found.warning));
  }
  const balance = process.env.MCPX_GATEWAY_BALANCE === 'round-robin' ? 'round-robin' : undefined;
  const core = new Gateway({
    cluster: supervisor,
    clientPrefix: settings.clientPrefix,
    ...(balance === undefined ? {} : { balance }),
    onEvent: (event) =>
      void emit({ time: new Date().toISOString(), server: GATEWAY, replica: 0, ...event }),
  });
  const http = await GatewayServer.listen({
    gateway: core,
    host: settings.host,
    port: overrides.port ?? settings.port,
    token,
    tokenFile: gatewayTokenFile(workspace.root),
    clock: systemClock,
    readiness: () => readinessOf(supervisor.replicas),
  });
  return { core, http, auth };
}

/** Per server, for /readyz: how many of its shared replicas are ready, and each one's state. */
export function readinessOf(
  replicas: readonly Replica[],
): Record<string, { ready: number; replicas: number; states: string[] }> {
  const servers: Record<string, { ready: number; replicas: number; states: string[] }> = {};
  for (const replica of replicas) {
    if (replica.session !== undefined) continue;
    const entry = (servers[replica.server] ??= { ready: 0, replicas: 0, states: [] });
    entry.replicas++;
    if (replica.state === 'ready') entry.ready++;
    entry.states.push(replica.state);
  }
  return servers;
}

/** `gateway http://127.0.0.1:7330/mcp — 12 tools, 6 resources, 4 prompts from 3 servers`. */
export function gatewayLine(gateway: RunningGateway): string {
  const all = gateway.core.aggregateOf(ALL_SERVERS);
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  const resources = all.resources.length + all.resourceTemplates.length;
  return `gateway ${gateway.http.url} — ${plural(all.tools.length, 'tool')}, ${plural(resources, 'resource')}, ${plural(all.prompts.length, 'prompt')} from ${plural(all.servers.length, 'server')}${gateway.auth ? '' : ' (no auth)'}`;
}

export function clusterEvent(level: LogEvent['level'], msg: string): LogEvent {
  return {
    time: new Date(systemClock.now()).toISOString(),
    server: CLUSTER,
    replica: 0,
    stream: 'mcpx',
    level,
    msg,
  };
}
