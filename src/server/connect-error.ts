/**
 * Why a connection to a remote (`url`) server failed, in words a user can act on. Node's fetch
 * reports every network failure as `TypeError: fetch failed` and keeps the reason in `cause` (an
 * AggregateError when several addresses were tried): this digs it out.
 */
export function describeConnectError(error: unknown, url: string | undefined): string {
  const where = hostAndPort(url);
  const system = systemError(error);
  if (system === undefined) return error instanceof Error ? error.message : String(error);
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
