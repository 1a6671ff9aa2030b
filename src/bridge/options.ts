import { isIP } from 'node:net';
import { McpxError } from '../errors.js';

export interface BridgeHttpOptions {
  host: string;
  port: number;
  /** `Host` names accepted besides this machine's: a Kubernetes Service's, a proxy's. */
  allowedHosts: string[];
  /** Browser origins accepted besides http(s) ones on localhost. */
  allowedOrigins: string[];
}

/** `--http 0.0.0.0:8080`, `--http :8080`, `--http [::]:8080`, `--http 8080`. */
export function parseListen(text: string): { host: string; port: number } {
  const match = /^(?:(\[[0-9a-fA-F:.]+\]|[^:[\]]*):)?(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (match === null || port > 65535)
    throw new McpxError(`--http ${JSON.stringify(text)} is not HOST:PORT.`, {
      hint: 'e.g. --http 0.0.0.0:8080 (all interfaces, as in a container) or --http 127.0.0.1:3000',
    });
  const host = (match[1] ?? '').replace(/^\[|\]$/g, '');
  return { host: host === '' ? '0.0.0.0' : host, port };
}

/**
 * `ALLOWED_HOSTS` and `ALLOWED_ORIGINS`, comma-separated, as the template runtime reads them:
 * host names without scheme or port, and origins.
 */
export function accessFromEnv(env: NodeJS.ProcessEnv): {
  allowedHosts: string[];
  allowedOrigins: string[];
} {
  const list = (value: string | undefined): string[] =>
    (value ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '');
  const allowedHosts = list(env.ALLOWED_HOSTS).map((entry) => {
    const url = URL.canParse(`http://${entry}`) ? new URL(`http://${entry}`) : undefined;
    if (url === undefined || url.host !== url.hostname || url.hostname !== entry.toLowerCase())
      throw new McpxError(
        `ALLOWED_HOSTS entries must be host names without a scheme or port: "${entry}".`,
        { hint: 'e.g. ALLOWED_HOSTS=docs,docs.default.svc,docs.default.svc.cluster.local' },
      );
    return url.hostname;
  });
  const allowedOrigins = list(env.ALLOWED_ORIGINS).map((entry) => {
    if (!URL.canParse(entry))
      throw new McpxError(`ALLOWED_ORIGINS entries must be origins: "${entry}".`, {
        hint: 'e.g. ALLOWED_ORIGINS=https://app.example.com',
      });
    return new URL(entry).origin;
  });
  return { allowedHosts, allowedOrigins };
}

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

/** Whether a `Host` header names this machine, the bound address, or an allowed name. */
export function hostAllowed(header: string | undefined, options: BridgeHttpOptions): boolean {
  if (header === undefined || !URL.canParse(`http://${header}`)) return false;
  const { hostname } = new URL(`http://${header}`);
  const bound = isIP(options.host) === 6 ? `[${options.host}]` : options.host.toLowerCase();
  return (
    LOOPBACK.includes(hostname) || hostname === bound || options.allowedHosts.includes(hostname)
  );
}

/** Browsers send Origin; a page may use the bridge when served from this machine or allowed. */
export function originAllowed(origin: string | undefined, options: BridgeHttpOptions): boolean {
  if (origin === undefined || options.allowedOrigins.includes(origin)) return true;
  if (!URL.canParse(origin)) return false;
  const { protocol, hostname } = new URL(origin);
  return (protocol === 'http:' || protocol === 'https:') && LOOPBACK.includes(hostname);
}
