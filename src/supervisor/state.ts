import type { StandbySnapshot } from '../standby/standby.js';

/**
 * What the supervisor shows the rest of mcpx (status, the control channel and, later, the gateway)
 * about every running replica.
 */
export type ReplicaState =
  /** Process spawned; MCP initialize and listing not done yet. */
  | 'starting'
  /** Initialized and listed; answering pings. */
  | 'ready'
  /** Pings are failing; restarted once the threshold is reached. */
  | 'unhealthy'
  /** Waiting for the backoff delay before starting again. */
  | 'backoff'
  /** Crash-loop breaker open: waits for a file change or `mcpx restart`. */
  | 'crashed'
  /** A remote (`url`) server that cannot be reached: mcpx keeps trying, with a capped backoff. */
  | 'unreachable'
  | 'stopping'
  | 'stopped';

export interface SurfaceCounts {
  tools: number;
  resources: number;
  resourceTemplates: number;
  prompts: number;
}

export interface ReloadResult {
  /** ISO time of the reload. */
  at: string;
  ok: boolean;
  /** "tools: +get_forecast ~count_words" or why the new instance did not start. */
  message: string;
}

export interface ReplicaSnapshot {
  server: string;
  replica: number;
  state: ReplicaState;
  transport: 'stdio' | 'http' | 'sse';
  pid: number | undefined;
  /** HTTP servers: the port mcpx assigned (or the fixed one). */
  port: number | undefined;
  /** ISO time the current instance became ready. */
  readySince: string | undefined;
  /** Start to ready of the current instance, in ms. */
  readyMs: number | undefined;
  restarts: number;
  lastReload: ReloadResult | undefined;
  counts: SurfaceCounts | undefined;
  lastError: string | undefined;
  /** Calls the gateway forwarded to this replica: in flight now, and finished since it started. */
  calls?: { inFlight: number; served: number } | undefined;
  /** isolation "session": the downstream gateway session this instance is dedicated to. */
  session?: string | undefined;
  /** A `node` server's pre-warmed standby for the next reload, once a change armed it. */
  standby?: StandbySnapshot | undefined;
}

/** The gateway of `mcpx dev`, when it runs. */
export interface GatewaySnapshot {
  /** The aggregate endpoint, e.g. http://127.0.0.1:7330/mcp. */
  url: string;
  /** Whether `/mcp` and `/servers/*` require the bearer token of .mcpx/gateway-token. */
  auth: boolean;
  /** Downstream MCP sessions open now. */
  sessions: number;
  /** Tools, resources and prompts in the aggregate now. */
  counts: { tools: number; resources: number; prompts: number };
}

export interface ClusterSnapshot {
  /** Workspace root. */
  root: string;
  /** pid of the `mcpx dev` process. */
  pid: number;
  startedAt: string;
  replicas: ReplicaSnapshot[];
  /** Absent with --no-gateway (and from an mcpx dev older than the gateway). */
  gateway?: GatewaySnapshot | undefined;
}
