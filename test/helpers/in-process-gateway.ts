// The gateway in one process for tests of its rules: SDK servers linked in memory stand in for the
// supervisor's replicas, and the real HTTP endpoint listens on 127.0.0.1 (port 0) in front.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { systemClock } from '../../src/clock.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { GatewayServer, type GatewayServerOptions } from '../../src/gateway/http.js';
import type { ServerConfig } from '../../src/manifest/servers.js';
import { listRaw } from '../../src/server/surface.js';
import { CallCounter, type Upstream } from '../../src/server/upstream.js';
import type { Replica } from '../../src/supervisor/replica.js';

export type TestUpstream = Upstream & { calls: CallCounter };

/** `server` behind an in-memory link, as the gateway sees a replica: its client, lists, calls. */
export async function inMemoryUpstream(
  server: McpServer | Server,
  capabilities: ClientCapabilities = {},
): Promise<TestUpstream> {
  const client = new Client({ name: 'mcpx', version: '1' }, { capabilities });
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(a);
  await client.connect(b);
  return {
    client,
    raw: await listRaw(client, 5000),
    peer: undefined,
    exitReason: undefined,
    calls: new CallCounter(),
  };
}

/** A ready replica `index` of `server` whose instance is `up`. */
export function readyReplica(
  server: string,
  index: number,
  up: TestUpstream,
): Replica & { state: string } {
  return {
    server,
    replica: index,
    session: undefined,
    state: 'ready',
    current: { upstream: up, calls: up.calls, exitReason: undefined },
    snapshot: () => ({ state: 'ready', lastError: undefined }),
  } as unknown as Replica & { state: string };
}

/**
 * A gateway over one shared server named `server`, its replicas read from `replicas()` at each
 * call (a test may swap them), listening with `token`; told once that its servers changed.
 */
export async function listenGateway(options: {
  server: string;
  replicas: () => Replica[];
  token: string;
  readiness?: GatewayServerOptions['readiness'];
}): Promise<{ gateway: Gateway; http: GatewayServer }> {
  const { server } = options;
  const gateway = new Gateway({
    cluster: {
      servers: new Map([
        [server, { name: server, prefix: server, isolation: 'shared' } as unknown as ServerConfig],
      ]),
      get replicas() {
        return options.replicas();
      },
      startSessionReplica: () => Promise.reject(new Error('not in this test')),
      stopSessionReplica: () => Promise.resolve(),
    },
    clientPrefix: 'mcp__mcpx__',
    onEvent: () => undefined,
  });
  const http = await GatewayServer.listen({
    gateway,
    host: '127.0.0.1',
    port: 0,
    token: options.token,
    tokenFile: '/nowhere/gateway-token',
    clock: systemClock,
    readiness: options.readiness ?? (() => ({})),
  });
  gateway.changed();
  return { gateway, http };
}
