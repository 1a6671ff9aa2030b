import { request as httpRequest } from 'node:http';
import type { Socket } from 'node:net';
import { resolve } from 'node:path';
import { ExitCode, McpxError } from '../errors.js';
import type { ClusterSnapshot } from '../supervisor/state.js';
import {
  connectSocket,
  controlLocation,
  errorCode,
  readControlInfo,
  socketCandidates,
} from './location.js';
import {
  type ControlErrorBody,
  MAX_BODY_BYTES,
  STATUS_PATH,
  errorFromBody,
  restartPath,
} from './protocol.js';

export interface ControlClientOptions {
  /** Longest wait to connect and for a status answer, in ms. Default 5000. */
  timeoutMs?: number;
  /**
   * Longest wait for a restart, in ms: stopping every replica (up to the SIGKILL step of the stop
   * ladder) and starting it again until it is ready. Default 120000.
   */
  restartTimeoutMs?: number;
}

// How the control client fails: "not running" and "did not answer" exit with ExitCode.unreachable
// (4), the thing the command needs cannot be reached; errors `mcpx dev` reports (an unknown server,
// say) keep the exit code it chose.

/**
 * The cluster as the `mcpx dev` running for the workspace at `root` sees it now. Throws McpxError
 * "mcpx dev is not running in <root>" (exit 4) when nothing listens there.
 */
export async function controlStatus(
  root: string,
  options: ControlClientOptions = {},
): Promise<ClusterSnapshot> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const { result, who } = await call(root, 'status', 'GET', STATUS_PATH, timeoutMs, timeoutMs);
  if (!Array.isArray((result as Partial<ClusterSnapshot> | null)?.replicas)) {
    throw unexpected(who, '"status"');
  }
  return result as ClusterSnapshot;
}

/** Restarts every replica of `server`; resolves once `mcpx dev` has started them again. */
export async function controlRestart(
  root: string,
  server: string,
  options: ControlClientOptions = {},
): Promise<{ restarted: number }> {
  const path = restartPath(server);
  const { result, who } = await call(
    root,
    'restart',
    'POST',
    path,
    options.timeoutMs ?? 5000,
    options.restartTimeoutMs ?? 120_000,
  );
  const restarted = (result as { restarted?: unknown } | null)?.restarted;
  if (typeof restarted !== 'number') throw unexpected(who, '"restart"');
  return { restarted };
}

/**
 * One request to the `mcpx dev` of `root`, at the socket named in `.mcpx/control.json` or at its
 * default place; the answer's JSON, or its error as an McpxError.
 */
async function call(
  root: string,
  what: string,
  method: 'GET' | 'POST',
  path: string,
  connectTimeoutMs: number,
  answerTimeoutMs: number,
): Promise<{ result: unknown; who: string }> {
  const absolute = resolve(root);
  const location = controlLocation(absolute);
  const info = await readControlInfo(location.infoFile);
  for (const socketPath of socketCandidates(location, info)) {
    let socket: Socket;
    try {
      socket = await connectSocket(socketPath, connectTimeoutMs);
    } catch (error) {
      switch (errorCode(error)) {
        // Nothing there, or a socket nobody listens on: an `mcpx dev` that stopped or died.
        case 'ENOENT':
        case 'ENOTDIR':
        case 'ECONNREFUSED':
          continue;
        case 'ETIMEDOUT':
          throw new McpxError(
            `mcpx dev in ${absolute} did not accept a connection within ${seconds(connectTimeoutMs)}.`,
            { hint: STUCK, exitCode: ExitCode.unreachable },
          );
        case 'EACCES':
        case 'EPERM':
          throw new McpxError(`Not allowed to connect to ${socketPath}.`, {
            hint: 'only the user running `mcpx dev` can reach it; run this command as that user',
            exitCode: ExitCode.unreachable,
            cause: error,
          });
        default:
          throw error;
      }
    }
    const who = info?.socket === socketPath ? `mcpx dev (pid ${info.pid})` : 'mcpx dev';
    const result = await exchange(socket, who, what, method, path, answerTimeoutMs);
    return { result, who };
  }
  throw new McpxError(`mcpx dev is not running in ${absolute}.`, {
    hint: 'start it with `mcpx dev`',
    exitCode: ExitCode.unreachable,
  });
}

const STUCK = 'it may be stuck; check its terminal, or stop it and start it again';

/** Sends one request on a connected socket and reads its JSON answer; the socket is closed after. */
function exchange(
  socket: Socket,
  who: string,
  what: string,
  method: string,
  path: string,
  timeoutMs: number,
): Promise<unknown> {
  return new Promise((resolvePromise, reject) => {
    let failure: McpxError | undefined;
    const request = httpRequest({
      method,
      path,
      // Any name will do on a Unix socket; HTTP/1.1 only needs one.
      host: 'mcpx',
      createConnection: () => socket,
    });
    const fail = (error: McpxError): void => {
      failure ??= error;
      request.destroy(error);
    };
    const timer = setTimeout(
      () =>
        fail(
          new McpxError(`${who} did not answer "${what}" within ${seconds(timeoutMs)}.`, {
            hint: STUCK,
            exitCode: ExitCode.unreachable,
          }),
        ),
      timeoutMs,
    );
    request.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (failure !== undefined) reject(failure);
      else if (error.code === 'ECONNRESET' || error.code === 'EPIPE') {
        reject(
          new McpxError(`${who} closed the control connection.`, {
            hint: 'check the terminal running `mcpx dev`; it may have stopped',
            exitCode: ExitCode.unreachable,
          }),
        );
      } else {
        reject(
          new McpxError(`Lost the connection to ${who}: ${error.message}`, {
            hint: 'check the terminal running `mcpx dev`',
            exitCode: ExitCode.unreachable,
            cause: error,
          }),
        );
      }
    });
    request.on('response', (response) => {
      const parts: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          fail(
            new McpxError(`${who} sent an answer longer than ${MAX_BODY_BYTES} bytes.`, {
              hint: 'mcpx status and mcpx dev may be different versions of mcpx',
              exitCode: ExitCode.unreachable,
            }),
          );
        } else parts.push(chunk);
      });
      response.on('end', () => {
        clearTimeout(timer);
        let body: { error?: ControlErrorBody } | undefined;
        try {
          body = JSON.parse(Buffer.concat(parts).toString('utf8')) as typeof body;
        } catch {
          body = undefined;
        }
        if (body === undefined || body === null) reject(unexpected(who, `"${what}"`));
        else if (response.statusCode === 200) resolvePromise(body);
        else if (typeof body.error?.message === 'string') reject(errorFromBody(body.error));
        else reject(unexpected(who, `"${what}"`));
      });
    });
    request.end();
  });
}

function unexpected(who: string, what: string): McpxError {
  return new McpxError(`${who} sent an answer to ${what} that mcpx cannot read.`, {
    hint: 'mcpx status and mcpx dev may be different versions of mcpx; restart `mcpx dev`',
    exitCode: ExitCode.unreachable,
  });
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
