import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

/**
 * Why a message to the gateway failed, as far as the bridge must tell:
 * - `absent`: nothing listens (mcpx dev stopped); the message never arrived, so it may be resent.
 * - `session`: 404, the gateway does not know the session (a new mcpx dev); likewise not handled.
 * - `http`: the gateway answered with another error status (401 for a wrong token, 400...).
 * - `broken`: the connection broke after the message may have arrived.
 */
export interface UpstreamFailure {
  kind: 'absent' | 'session' | 'http' | 'broken';
  reason: string;
  /** What the gateway said in its error answer, as `: <message>`, when it said something. */
  said?: string;
}

const ABSENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EADDRNOTAVAIL', 'EHOSTUNREACH']);

export function upstreamFailure(error: unknown): UpstreamFailure {
  if (error instanceof StreamableHTTPError) {
    const code = error.code ?? 0;
    const said = bodyMessage(error.message);
    if (code === 404) {
      return {
        kind: 'session',
        reason: 'the gateway no longer knows this session (mcpx dev restarted)',
        ...(said === undefined ? {} : { said: `: ${said}` }),
      };
    }
    if (code === 401) {
      return {
        kind: 'http',
        reason: 'the gateway refused the token of .mcpx/gateway-token (401)',
      };
    }
    return { kind: 'http', reason: `the gateway answered HTTP ${code}: ${error.message}` };
  }
  const code = systemCode(error);
  if (code !== undefined && ABSENT_CODES.has(code)) {
    return { kind: 'absent', reason: `nothing listens there (${code})` };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'broken', reason: `the connection to the gateway broke (${code ?? message})` };
}

/** The system error code of a failed fetch: undici puts it on the error's cause. */
function systemCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * The `error.message` of the JSON-RPC error body the SDK quotes in a StreamableHTTPError
 * ("Error POSTing to endpoint: {...}").
 */
function bodyMessage(text: string): string | undefined {
  const start = text.indexOf('{');
  if (start < 0) return undefined;
  try {
    const body = JSON.parse(text.slice(start)) as { error?: { message?: unknown } };
    return typeof body.error?.message === 'string' ? body.error.message : undefined;
  } catch {
    return undefined;
  }
}
