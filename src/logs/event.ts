/**
 * One log event: what the supervisor emits, what the JSONL store keeps (one JSON object per line),
 * what `mcpx logs` reads back and what the terminal shows as `time | server | message`. Only
 * src/ui adds colour.
 */

/** RFC 5424 levels, as MCP's `notifications/message` uses them, lowest first. */
export const LOG_LEVELS = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency',
] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Where a line came from: a server's stderr, its MCP `notifications/message`, or mcpx itself
 * (supervisor events such as "ready in 120 ms", restarts, stdout pollution warnings).
 */
export type LogStream = 'stderr' | 'mcp' | 'mcpx';

export interface LogEvent {
  /** ISO 8601 with milliseconds, UTC. */
  time: string;
  /** Server name from mcpx.json; `mcpx` for events about the whole cluster. */
  server: string;
  /** Replica index, 0-based; 0 for cluster events. */
  replica: number;
  stream: LogStream;
  level: LogLevel;
  /** One line of text, never containing a newline. */
  msg: string;
  /** Structured fields, when the source had them (a JSON log line, an MCP notification's data). */
  data?: unknown;
}

let lastTimeMs = Number.NaN;
let lastTime = '';

/**
 * An event's `time` for a clock reading in ms: ISO 8601 with milliseconds, UTC. Made once per
 * millisecond: a flood has hundreds of events in each, and Date's formatting is a large part of
 * what one costs.
 */
export function eventTime(ms: number): string {
  if (ms !== lastTimeMs) {
    lastTime = new Date(ms).toISOString();
    lastTimeMs = ms;
  }
  return lastTime;
}

/** The server name used for events about the cluster rather than one server. */
export const CLUSTER = 'mcpx';

/** The server name of the gateway's own events (forwarded calls): `mcpx logs --server gateway`. */
export const GATEWAY = 'gateway';

export function levelRank(level: LogLevel): number {
  return LOG_LEVELS.indexOf(level);
}

/**
 * The one label of a replica, in `mcpx dev`, `mcpx logs`, `mcpx status` and `mcpx restart`: the
 * server's name when it runs one replica, `name#i` (0-based) for each of several. A replica after
 * the first is always `name#i`, whatever the count says now: after scaling down, or for a server
 * the manifest no longer has, its stored events keep their own label instead of taking the first
 * replica's.
 */
export function replicaLabel(server: string, replica: number, replicas = 1): string {
  return replicas > 1 || replica > 0 ? `${server}#${replica}` : server;
}
