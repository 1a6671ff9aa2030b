/** Settings of `serveHttp`; `httpOptionsFromEnv` reads them from the environment. */
export interface HttpOptions {
  /** Interface to bind. `127.0.0.1` keeps the server reachable from this machine only. */
  host: string;
  /** Port to bind; 0 picks a free one. */
  port: number;
  /** Browser origins to accept besides http(s) ones on localhost, e.g. `https://app.example.com`. */
  allowedOrigins: readonly string[];
  /** `Host` names to accept besides this machine's, e.g. a proxy's or a Kubernetes Service's. */
  allowedHosts: readonly string[];
  /** When set, `/mcp` answers only requests with `Authorization: Bearer <token>`. */
  authToken: string | undefined;
  /** Open sessions at most; a new one past it gets 503. 0: no cap. */
  maxSessions: number;
  /** A session without a request for this long is ended. 0: never. */
  sessionIdleMs: number;
}

export const DEFAULT_MAX_SESSIONS = 100;
export const DEFAULT_SESSION_IDLE_MS = 30 * 60 * 1000;

/**
 * Reads `HOST` (default `127.0.0.1`), `PORT` (default 3000; 0 picks a free port),
 * `ALLOWED_ORIGINS` and `ALLOWED_HOSTS` (comma-separated), `MCP_AUTH_TOKEN`, `MAX_SESSIONS`
 * (default 100) and `SESSION_IDLE_TIMEOUT_MS` (default 30 minutes) from `env`.
 */
export function httpOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): HttpOptions {
  const allowedOrigins = list(env.ALLOWED_ORIGINS).map((entry) => {
    if (!URL.canParse(entry)) {
      throw new Error(
        `ALLOWED_ORIGINS entries must be origins like https://example.com: "${entry}"`,
      );
    }
    return new URL(entry).origin;
  });
  const allowedHosts = list(env.ALLOWED_HOSTS).map((entry) => {
    // A host name as the Host header carries it, without a port: the port a client dialled
    // differs from the one bound behind a proxy or a Service.
    const url = URL.canParse(`http://${entry}`) ? new URL(`http://${entry}`) : undefined;
    if (
      url === undefined ||
      url.host !== url.hostname ||
      `${url.hostname}` !== entry.toLowerCase()
    ) {
      throw new Error(
        `ALLOWED_HOSTS entries must be host names without a scheme or port, like docs.default.svc.cluster.local: "${entry}"`,
      );
    }
    return url.hostname;
  });
  return {
    host: env.HOST || '127.0.0.1',
    port: wholeNumber(env, 'PORT', 3000, 65535),
    allowedOrigins,
    allowedHosts,
    authToken: env.MCP_AUTH_TOKEN || undefined,
    maxSessions: wholeNumber(env, 'MAX_SESSIONS', DEFAULT_MAX_SESSIONS),
    sessionIdleMs: wholeNumber(env, 'SESSION_IDLE_TIMEOUT_MS', DEFAULT_SESSION_IDLE_MS),
  };
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

function wholeNumber(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new Error(`${name} must be a whole number from 0 to ${max}, got "${text}"`);
  }
  return value;
}
