import { systemClock } from '../clock.js';
import { McpxError } from '../errors.js';
import { ALL_SERVERS } from '../gateway/downstream.js';
import { Gateway } from '../gateway/gateway.js';
import { GatewayServer } from '../gateway/http.js';
import { RemoteCluster } from '../gateway/remote/cluster.js';
import { type RemoteMember, readMembersFile } from '../gateway/remote/members-file.js';
import { clusterEvent, readinessOf } from '../gateway/run.js';
import { gatewayToken, gatewayTokenFile, isStrongToken } from '../gateway/token.js';
import { GATEWAY, type LogEvent } from '../logs/event.js';
import { DEFAULT_GATEWAY, hostProblem, isLoopbackHost } from '../manifest/gateway.js';
import { type Workspace, loadWorkspace } from '../manifest/load.js';

/** The environment variable holding the token (a Kubernetes Secret), before .mcpx/gateway-token. */
export const TOKEN_ENV = 'MCPX_GATEWAY_TOKEN';

export interface RemoteGatewayOptions {
  /** A members file (JSON): the servers and how to find their replicas. */
  members?: string | undefined;
  /** A workspace folder: its mcpx.json's `url` entries are servers too, and its token file is used. */
  dir?: string | undefined;
  host?: string | undefined;
  port?: number | undefined;
  /** false: --no-auth (loopback only). */
  auth: boolean;
  /** Every event: the replicas', discovery's, the gateway's calls. */
  onEvent: (event: LogEvent) => void;
  /** Aborting stops the gateway, also while it starts. */
  signal: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

export interface RunningRemoteGateway {
  url: string;
  /** Resolves once the gateway has stopped (after the signal). */
  stopped: Promise<void>;
}

/**
 * `mcpx gateway`: the gateway of `mcpx dev` alone, over servers that run elsewhere. It listens
 * first (clients can connect and get lists as replicas become ready), then reaches every replica.
 */
export async function startRemoteGateway(
  options: RemoteGatewayOptions,
): Promise<RunningRemoteGateway> {
  const env = options.env ?? process.env;
  const workspace = options.dir === undefined ? undefined : await loadWorkspace(options.dir);
  const members = await membersOf(options.members, workspace, options.onEvent);
  const host = options.host ?? workspace?.gateway.host ?? DEFAULT_GATEWAY.host;
  const problem = hostProblem(host);
  if (problem !== undefined)
    throw new McpxError(
      `--host ${JSON.stringify(host)} is not an address to listen on: ${problem}.`,
    );
  if (!options.auth && !isLoopbackHost(host))
    throw new McpxError(
      `--no-auth is refused: the gateway listens on ${host}, which other machines can reach, and would let them call every tool.`,
      { hint: `keep the token (${TOKEN_ENV}), or listen on 127.0.0.1` },
    );
  const token = options.auth ? await tokenOf(env, workspace, options.onEvent) : undefined;
  const event = (level: LogEvent['level'], msg: string): void =>
    options.onEvent(clusterEvent(level, msg));

  const cluster = new RemoteCluster({
    members,
    onEvent: options.onEvent,
    // Replicas come only with start(), below, once the core exists.
    onChange: () => core.changed(),
    parentEnv: env,
  });
  const core = new Gateway({
    cluster,
    runner: 'mcpx gateway',
    clientPrefix: workspace?.gateway.clientPrefix ?? DEFAULT_GATEWAY.clientPrefix,
    onEvent: (e) =>
      options.onEvent({ time: new Date().toISOString(), server: GATEWAY, replica: 0, ...e }),
  });
  const http = await GatewayServer.listen({
    gateway: core,
    host,
    port: options.port ?? workspace?.gateway.port ?? DEFAULT_GATEWAY.port,
    token: token?.value,
    tokenFile: token?.where ?? '',
    runner: 'mcpx gateway',
    clock: systemClock,
    readiness: () => readinessOf(cluster.replicas),
  });
  const names = members.map((m) => m.config.name);
  event(
    'info',
    `gateway listening on ${http.url}${token === undefined ? ' (no auth)' : ` (token from ${token.where})`}; servers: ${names.join(', ')}`,
  );

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await http.close();
      await cluster.stop();
      event('info', 'gateway stopped');
    })());
  if (options.signal.aborted) {
    await stop();
    return { url: http.url, stopped: Promise.resolve() };
  }
  const stopped = new Promise<void>((resolve, reject) => {
    options.signal.addEventListener('abort', () => void stop().then(resolve, reject), {
      once: true,
    });
  });
  await cluster.start();
  if (!options.signal.aborted) {
    const all = core.aggregateOf(ALL_SERVERS);
    const ready = cluster.replicas.filter((r) => r.state === 'ready').length;
    event(
      ready === cluster.replicas.length ? 'info' : 'warning',
      `${ready} of ${cluster.replicas.length} replicas ready; ${all.tools.length} tools, ${all.resources.length + all.resourceTemplates.length} resources, ${all.prompts.length} prompts from ${all.servers.length} of ${names.length} servers`,
    );
  }
  return { url: http.url, stopped };
}

/** The members file's servers and the workspace's `url` entries; at least one. */
async function membersOf(
  file: string | undefined,
  workspace: Workspace | undefined,
  onEvent: (event: LogEvent) => void,
): Promise<RemoteMember[]> {
  if (file === undefined && workspace === undefined)
    throw new McpxError('mcpx gateway needs servers: give --members <file> or --dir <workspace>.', {
      hint: 'a members file is JSON like {"servers": {"docs": {"url": "http://docs:8080/mcp"}}}; with --dir, the url entries of mcpx.json are served',
    });
  const members = file === undefined ? [] : await readMembersFile(file);
  if (workspace !== undefined) {
    const local: string[] = [];
    for (const config of workspace.servers.values()) {
      if (config.disabled) continue;
      if (!config.remote) {
        local.push(config.name);
        continue;
      }
      if (members.some((m) => m.config.name === config.name))
        throw new McpxError(
          `${config.name} is both in ${workspace.file} and in the members file ${file ?? ''}.`,
          { hint: 'keep it in one of them' },
        );
      members.push({ config, source: { kind: 'urls', urls: [config.url] } });
    }
    if (local.length > 0)
      onEvent(
        clusterEvent(
          'warning',
          `left out: ${local.join(', ')} (started by mcpx dev, not reached by url; mcpx gateway serves only the "url" entries of ${workspace.file})`,
        ),
      );
    if (members.length === 0)
      throw new McpxError(
        `${workspace.file} has no server given by "url", and no members file was given: the gateway would serve nothing.`,
        {
          hint: 'give --members <file>, or add {"url": "http://<host>:<port>/mcp"} entries to mcpx.json (mcpx dev runs the others)',
        },
      );
  }
  const prefixes = new Map<string, string>();
  for (const { config } of members) {
    const owner = prefixes.get(config.prefix);
    if (owner !== undefined)
      throw new McpxError(
        `Servers "${owner}" and "${config.name}" both have the gateway prefix "${config.prefix}" (one from the members file, one from mcpx.json).`,
        {
          hint: 'give one of them another prefix ("prefix" in the members file, "gateway": {"prefix": ...} in mcpx.json)',
        },
      );
    prefixes.set(config.prefix, config.name);
  }
  return members;
}

/** The token: MCPX_GATEWAY_TOKEN, else the workspace's .mcpx/gateway-token (made on first use). */
async function tokenOf(
  env: NodeJS.ProcessEnv,
  workspace: Workspace | undefined,
  onEvent: (event: LogEvent) => void,
): Promise<{ value: string; where: string }> {
  const fromEnv = env[TOKEN_ENV];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!isStrongToken(fromEnv))
      throw new McpxError(
        `${TOKEN_ENV} is not a usable token: it must be one line of at least 43 base64url characters (A-Z, a-z, 0-9, "-", "_").`,
        { hint: 'make one with `openssl rand -base64 32 | tr "+/" "-_" | tr -d "="`' },
      );
    return { value: fromEnv, where: `the environment variable ${TOKEN_ENV}` };
  }
  if (workspace === undefined)
    throw new McpxError(
      `mcpx gateway needs a token: ${TOKEN_ENV} is not set, and no --dir was given.`,
      {
        hint: `set ${TOKEN_ENV} (from a Secret in Kubernetes), or give --dir to use the workspace's .mcpx/gateway-token, or --no-auth on 127.0.0.1`,
      },
    );
  const found = await gatewayToken(workspace.root);
  if (found.warning !== undefined) onEvent(clusterEvent('warning', found.warning));
  return { value: found.token, where: gatewayTokenFile(workspace.root) };
}
