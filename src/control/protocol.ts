/**
 * The control channel's wire format: plain HTTP/1.1 over the workspace's Unix socket, JSON bodies.
 * Each request is its own exchange, so a slow restart never holds up a status.
 *
 * ```
 * GET  /status                → 200 {"root":"/work/shop","pid":4242,"startedAt":"...","replicas":[...]}
 * POST /servers/docs/restart  → 200 {"restarted":2}
 *                             → 400 {"error":{"message":"No server \"docs\" in this cluster.","hint":"...","exitCode":2}}
 * $ curl --unix-socket .mcpx/control/control.sock http://mcpx/status
 * ```
 */
import { ExitCode, type ExitCodeValue, McpxError } from '../errors.js';

/**
 * The largest answer a client reads, in bytes. A snapshot of a few hundred replicas is tens of
 * kilobytes; the bound keeps a runaway peer from growing a buffer without end.
 */
export const MAX_BODY_BYTES = 1024 * 1024;

export const STATUS_PATH = '/status';
const RESTART_PATH = /^\/servers\/([^/]+)\/restart$/;

/** The path that restarts `server`. */
export function restartPath(server: string): string {
  return `/servers/${encodeURIComponent(server)}/restart`;
}

/** The server name in a restart path, or undefined for any other path. */
export function restartTarget(path: string): string | undefined {
  const encoded = RESTART_PATH.exec(path)?.[1];
  if (encoded === undefined) return undefined;
  try {
    return decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
}

/** An McpxError as it crosses the socket; `exitCode` lets the CLI exit as `mcpx dev` decided. */
export interface ControlErrorBody {
  message: string;
  hint?: string;
  exitCode?: number;
}

/** The error body of a failure: an McpxError keeps its hint and exit code; anything else is a bug. */
export function errorBody(error: unknown, doing: string): ControlErrorBody {
  if (error instanceof McpxError) return error.toJSON();
  const reason = error instanceof Error ? error.message : String(error);
  return {
    message: `mcpx dev failed to ${doing}: ${reason}`,
    hint: 'the terminal running `mcpx dev` may say more; this is a bug in mcpx, please report it',
    exitCode: ExitCode.bug,
  };
}

/** The McpxError an error body stands for, on the client's side. */
export function errorFromBody(body: ControlErrorBody): McpxError {
  const known = Object.values(ExitCode) as number[];
  const exitCode =
    body.exitCode !== undefined && known.includes(body.exitCode)
      ? (body.exitCode as ExitCodeValue)
      : ExitCode.usage;
  return new McpxError(body.message, { hint: body.hint, exitCode });
}
