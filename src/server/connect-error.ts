import { type HttpAnswer, describeAnswer } from './http-answer.js';

/** One transport tried on an HTTP server, and each of its answers that was not MCP. */
export interface Attempt {
  transport: 'http' | 'sse';
  answers: HttpAnswer[];
}

const TRANSPORT_NAME = { http: 'Streamable HTTP', sse: 'legacy SSE' } as const;

/**
 * Why a connection to an HTTP server failed, in words a user can act on: what answered (status,
 * content type, the first line of the body) to which transport, rather than the raw error page
 * or a timeout. Node's fetch reports every network failure as `TypeError: fetch failed` and keeps
 * the reason in `cause` (an AggregateError when several addresses were tried): this digs it out.
 */
export function describeConnectError(
  error: unknown,
  url: string | undefined,
  attempts: readonly Attempt[] = [],
): string {
  const tried =
    attempts.length === 0
      ? ''
      : ` (tried ${attempts.map((a) => TRANSPORT_NAME[a.transport]).join(', then ')})`;
  const system = systemError(error) ?? codeInMessage(error);
  if (system !== undefined) return `${networkProblem(system, url)}${tried}`;
  const answered = describeAttempts(attempts, url);
  if (answered !== undefined) return `${answered}${advice(attempts)}`;
  return `${error instanceof Error ? error.message : String(error)}${tried}`;
}

/**
 * "http://h/sse answered Streamable HTTP's POST with 404 Not Found (text/html): "<!DOCTYPE html>",
 * then legacy SSE's GET with ..."; undefined when nothing but MCP answered.
 */
export function describeAttempts(
  attempts: readonly Attempt[],
  url: string | undefined,
): string | undefined {
  const parts = attempts.flatMap((attempt) =>
    attempt.answers
      .slice(0, 1)
      .map(
        (answer) =>
          `${TRANSPORT_NAME[attempt.transport]}'s ${answer.method} with ${describeAnswer(answer)}`,
      ),
  );
  if (parts.length === 0) return undefined;
  return `${url ?? 'the server'} answered ${parts.join(', then ')}`;
}

/** What to change, when the answers say it. */
function advice(attempts: readonly Attempt[]): string {
  const last = attempts.at(-1);
  const status = last?.answers[0]?.status;
  if (last === undefined || status === undefined) return '';
  if (last.transport === 'http' && (status === 404 || status === 405))
    return '; if it is a legacy SSE server, set "type": "sse" (or leave "type" out: mcpx then tries SSE after Streamable HTTP), else check the URL';
  if (last.transport === 'sse' && status === 404)
    return '; check the URL (SSE servers usually serve GET /sse; Streamable HTTP ones POST /mcp)';
  return '';
}

function networkProblem(
  system: { code: string; message: string },
  url: string | undefined,
): string {
  const where = hostAndPort(url);
  switch (system.code) {
    case 'ECONNREFUSED':
      return `connection refused at ${where}`;
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return `connection reset by ${where}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host not found: ${where}`;
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return `connection to ${where} timed out`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `no route to ${where}`;
    default:
      return `${system.message} (${where})`;
  }
}

/** The first error in the cause chain (or an AggregateError's errors) that carries a system code. */
function systemError(error: unknown, depth = 0): { code: string; message: string } | undefined {
  if (!(error instanceof Error) || depth > 8) return undefined;
  const code = (error as NodeJS.ErrnoException).code;
  if (typeof code === 'string' && code !== 'ERR_INVALID_STATE')
    return { code, message: error.message };
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const found = systemError(inner, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return systemError(error.cause, depth + 1);
}

/**
 * The SDK's SSE transport keeps only the text of a network failure ("SSE error: TypeError: fetch
 * failed: connect ECONNREFUSED 127.0.0.1:3001"), not the error: the code is read from the text.
 */
function codeInMessage(error: unknown): { code: string; message: string } | undefined {
  if (!(error instanceof Error)) return undefined;
  const code =
    /\b(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH)\b/.exec(
      error.message,
    )?.[1];
  return code === undefined ? undefined : { code, message: error.message };
}

function hostAndPort(url: string | undefined): string {
  if (url === undefined) return 'the server';
  try {
    const parsed = new URL(url);
    const port = parsed.port === '' ? (parsed.protocol === 'https:' ? '443' : '80') : parsed.port;
    return `${parsed.hostname}:${port}`;
  } catch {
    return url;
  }
}
