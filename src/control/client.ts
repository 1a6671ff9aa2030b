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
  type ControlMethod,
  LineReader,
  MAX_LINE_BYTES,
  encodeLine,
  errorFromBody,
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

interface Pending {
  resolve: (result: unknown) => void;
  reject: (error: McpxError) => void;
  timer: NodeJS.Timeout;
}

/**
 * A connection to the `mcpx dev` of a workspace, for `mcpx status` and `mcpx restart`.
 *
 * Failures are McpxErrors: "not running" and "did not answer" exit with ExitCode.unreachable (4),
 * the thing the command needs cannot be reached; errors `mcpx dev` reports (an unknown server, say)
 * keep the exit code it chose.
 */
export class ControlClient {
  private readonly socket: Socket;
  private readonly who: string;
  private readonly timeoutMs: number;
  private readonly restartTimeoutMs: number;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: McpxError | undefined;

  private constructor(socket: Socket, pid: number | undefined, options: ControlClientOptions) {
    this.socket = socket;
    this.who = pid === undefined ? 'mcpx dev' : `mcpx dev (pid ${pid})`;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.restartTimeoutMs = options.restartTimeoutMs ?? 120_000;

    const reader = new LineReader();
    socket.on('data', (chunk: Buffer) => {
      const { lines, overflow } = reader.push(chunk);
      for (const line of lines) this.receive(line);
      if (overflow) {
        this.fail(
          new McpxError(`${this.who} sent an answer longer than ${MAX_LINE_BYTES} bytes.`, {
            hint: 'mcpx status and mcpx dev may be different versions of mcpx',
            exitCode: ExitCode.unreachable,
          }),
        );
        socket.destroy();
      }
    });
    socket.on('error', (error) => {
      this.fail(
        new McpxError(`Lost the connection to ${this.who}: ${error.message}`, {
          hint: 'check the terminal running `mcpx dev`',
          exitCode: ExitCode.unreachable,
          cause: error,
        }),
      );
    });
    socket.on('close', () => {
      this.fail(
        new McpxError(`${this.who} closed the control connection.`, {
          hint: 'check the terminal running `mcpx dev`; it may have stopped',
          exitCode: ExitCode.unreachable,
        }),
      );
    });
  }

  /**
   * Connects to the `mcpx dev` running for the workspace at `root`, at the socket named in
   * `.mcpx/control.json` or at its default place. Throws McpxError "mcpx dev is not running in
   * <root>" (exit 4) when nothing listens there.
   */
  static async connect(root: string, options: ControlClientOptions = {}): Promise<ControlClient> {
    const absolute = resolve(root);
    const location = controlLocation(absolute);
    const info = await readControlInfo(location.infoFile);
    const timeoutMs = options.timeoutMs ?? 5000;
    for (const path of socketCandidates(location, info)) {
      try {
        const socket = await connectSocket(path, timeoutMs);
        return new ControlClient(socket, info?.socket === path ? info.pid : undefined, options);
      } catch (error) {
        switch (errorCode(error)) {
          // Nothing there, or a socket nobody listens on: an `mcpx dev` that stopped or died.
          case 'ENOENT':
          case 'ENOTDIR':
          case 'ECONNREFUSED':
            continue;
          case 'ETIMEDOUT':
            throw new McpxError(
              `mcpx dev in ${absolute} did not accept a connection within ${seconds(timeoutMs)}.`,
              {
                hint: 'it may be stuck; check its terminal, or stop it and start it again',
                exitCode: ExitCode.unreachable,
              },
            );
          case 'EACCES':
          case 'EPERM':
            throw new McpxError(`Not allowed to connect to ${path}.`, {
              hint: 'only the user running `mcpx dev` can reach it; run this command as that user',
              exitCode: ExitCode.unreachable,
              cause: error,
            });
          default:
            throw error;
        }
      }
    }
    throw new McpxError(`mcpx dev is not running in ${absolute}.`, {
      hint: 'start it with `mcpx dev`',
      exitCode: ExitCode.unreachable,
    });
  }

  /** The cluster as `mcpx dev` sees it now. */
  async status(): Promise<ClusterSnapshot> {
    const result = await this.request('status', undefined, this.timeoutMs);
    if (
      typeof result !== 'object' ||
      result === null ||
      !Array.isArray((result as ClusterSnapshot).replicas)
    ) {
      throw this.unexpected('"status"');
    }
    return result as ClusterSnapshot;
  }

  /** Restarts every replica of `server`; resolves once `mcpx dev` has started them again. */
  async restart(server: string): Promise<{ restarted: number }> {
    const result = await this.request('restart', { server }, this.restartTimeoutMs);
    const restarted = (result as { restarted?: unknown } | null)?.restarted;
    if (typeof restarted !== 'number') throw this.unexpected('"restart"');
    return { restarted };
  }

  /** Hangs up. Requests still waiting are rejected. */
  close(): void {
    this.fail(
      new McpxError('The control connection was closed.', { exitCode: ExitCode.unreachable }),
    );
    this.socket.destroy();
  }

  private request(
    method: ControlMethod,
    params: Record<string, unknown> | undefined,
    timeoutMs: number,
  ): Promise<unknown> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new McpxError(`${this.who} did not answer "${method}" within ${seconds(timeoutMs)}.`, {
            hint: 'it may be stuck; check its terminal, or stop it and start it again',
            exitCode: ExitCode.unreachable,
          }),
        );
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.socket.write(encodeLine({ id, method, ...(params === undefined ? {} : { params }) }));
    });
  }

  private receive(line: string): void {
    let message: { id?: unknown; result?: unknown; error?: ControlErrorBody };
    try {
      message = JSON.parse(line) as typeof message;
    } catch {
      this.fail(this.unexpected('a request'));
      this.socket.destroy();
      return;
    }
    if (message.id === null && message.error !== undefined) {
      // The server could not read a request of ours: every waiting request is lost.
      this.fail(errorFromBody(message.error));
      return;
    }
    const pending = typeof message.id === 'number' ? this.pending.get(message.id) : undefined;
    if (pending === undefined) return;
    this.pending.delete(message.id as number);
    clearTimeout(pending.timer);
    if (message.error !== undefined) pending.reject(errorFromBody(message.error));
    else pending.resolve(message.result);
  }

  /** Rejects every waiting request with `error`, and every later one too. */
  private fail(error: McpxError): void {
    this.failure ??= error;
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(error);
      this.pending.delete(id);
    }
  }

  private unexpected(what: string): McpxError {
    return new McpxError(`${this.who} sent an answer to ${what} that mcpx cannot read.`, {
      hint: 'mcpx status and mcpx dev may be different versions of mcpx; restart `mcpx dev`',
      exitCode: ExitCode.unreachable,
    });
  }
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
