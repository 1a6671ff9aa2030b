/**
 * The control channel's wire format: newline-delimited JSON over a Unix socket, one request or
 * response object per line.
 *
 * ```
 * > {"id":1,"method":"status"}
 * < {"id":1,"result":{"root":"/work/shop","pid":4242,"startedAt":"...","replicas":[...]}}
 * > {"id":2,"method":"restart","params":{"server":"docs"}}
 * < {"id":2,"error":{"message":"No server \"docs\" in this cluster.","hint":"...","exitCode":2}}
 * ```
 *
 * Responses carry the id of their request (`null` when the request was unreadable) and may come
 * out of order: a slow restart does not hold up a status asked on the same connection.
 */
import { ExitCode, type ExitCodeValue, McpxError } from '../errors.js';

/**
 * The longest line either side accepts, in bytes. A snapshot of a few hundred replicas is tens of
 * kilobytes; the bound keeps a runaway or hostile peer from growing a buffer without end.
 */
export const MAX_LINE_BYTES = 1024 * 1024;

/** Everything `mcpx dev` answers on its control channel. */
export const CONTROL_METHODS = ['status', 'restart'] as const;
export type ControlMethod = (typeof CONTROL_METHODS)[number];

/** One request line; `restart` takes `params: {server}`. */
export interface ControlRequest {
  id: number;
  method: ControlMethod;
  params?: Record<string, unknown>;
}

/** An McpxError as it crosses the socket; `exitCode` lets the CLI exit as `mcpx dev` decided. */
export interface ControlErrorBody {
  message: string;
  hint?: string;
  exitCode?: number;
}

/** One response line: the request's id and either its result or an error. */
export type ControlResponse =
  { id: number | null; result: unknown } | { id: number | null; error: ControlErrorBody };

/** One protocol message as a line, ready to write. `JSON.stringify` never emits a raw newline. */
export function encodeLine(message: ControlRequest | ControlResponse): string {
  return `${JSON.stringify(message)}\n`;
}

/** The error body of a failure: an McpxError keeps its hint and exit code; anything else is a bug. */
export function errorBody(error: unknown, doing: string): ControlErrorBody {
  if (error instanceof McpxError) {
    return {
      message: error.message,
      ...(error.hint === undefined ? {} : { hint: error.hint }),
      exitCode: error.exitCode,
    };
  }
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

/**
 * Splits a byte stream into lines of at most `maxBytes`. Splitting bytes at `\n` before decoding
 * is safe for UTF-8: the byte 0x0A never occurs inside a multi-byte character.
 */
export class LineReader {
  private parts: Buffer[] = [];
  private size = 0;

  constructor(private readonly maxBytes = MAX_LINE_BYTES) {}

  /**
   * The lines completed by `chunk` (without their `\n` or a trailing `\r`). `overflow` is true once
   * a line grows past the limit; the reader is then useless, as the stream cannot be resynchronised
   * without trusting the peer, so the caller answers and hangs up.
   */
  push(chunk: Buffer): { lines: string[]; overflow: boolean } {
    const lines: string[] = [];
    let start = 0;
    for (let end = chunk.indexOf(0x0a, start); end !== -1; end = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, end);
      start = end + 1;
      if (this.size + piece.length > this.maxBytes) return { lines, overflow: true };
      const line = this.size === 0 ? piece : Buffer.concat([...this.parts, piece]);
      this.parts = [];
      this.size = 0;
      lines.push(line.toString('utf8').replace(/\r$/, ''));
    }
    const rest = chunk.subarray(start);
    if (rest.length > 0) {
      this.size += rest.length;
      if (this.size > this.maxBytes) return { lines, overflow: true };
      // A copy: `chunk` may be a view into a pooled buffer that Node reuses.
      this.parts.push(Buffer.from(rest));
    }
    return { lines, overflow: false };
  }
}

/** A request read from a line, or the error response it deserves. */
export function parseRequest(
  line: string,
): { ok: true; request: ControlRequest } | { ok: false; response: ControlResponse } {
  const usage = 'send one JSON object per line, e.g. {"id":1,"method":"status"}';
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      response: { id: null, error: { message: `invalid JSON: ${reason}`, hint: usage } },
    };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      ok: false,
      response: { id: null, error: { message: 'a request must be a JSON object', hint: usage } },
    };
  }
  const { id, method, params } = value as Record<string, unknown>;
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) {
    return {
      ok: false,
      response: {
        id: null,
        error: { message: 'a request needs a whole-number "id"', hint: usage },
      },
    };
  }
  if (typeof method !== 'string' || !(CONTROL_METHODS as readonly string[]).includes(method)) {
    return {
      ok: false,
      response: {
        id,
        error: {
          message: `unknown method ${JSON.stringify(method)}`,
          hint: `use one of: ${CONTROL_METHODS.join(', ')}`,
        },
      },
    };
  }
  if (
    params !== undefined &&
    (typeof params !== 'object' || params === null || Array.isArray(params))
  ) {
    return {
      ok: false,
      response: { id, error: { message: '"params" must be an object', hint: usage } },
    };
  }
  return {
    ok: true,
    request: {
      id,
      method: method as ControlMethod,
      ...(params === undefined ? {} : { params: params as Record<string, unknown> }),
    },
  };
}
