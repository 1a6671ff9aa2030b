import { createHash, timingSafeEqual } from 'node:crypto';
import { type Next, type Request, type Response, sendRpcError } from './respond.ts';

/** Host names that always mean this machine, as they appear in `Host` and `Origin` headers. */
export const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

/**
 * Browsers send `Origin`; other clients usually do not, and are let through. A page may talk to
 * this server when it is served from this machine or its origin is listed in `allowed`: anything
 * else could be a page reaching this server through DNS rebinding.
 */
export function originCheck(allowed: readonly string[]) {
  return (req: Request, res: Response, next: Next): void => {
    if (isAllowedOrigin(req.headers.origin, allowed)) next();
    else sendRpcError(res, 403, -32000, 'Forbidden: Origin not allowed');
  };
}

function isAllowedOrigin(origin: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined || allowed.includes(origin)) return true;
  if (!URL.canParse(origin)) return false;
  const { protocol, hostname } = new URL(origin);
  return (protocol === 'http:' || protocol === 'https:') && LOOPBACK.includes(hostname);
}

/**
 * 401 unless the request carries `Authorization: Bearer <token>`. Compared in constant time (of
 * digests, so that the length leaks nothing either): the token is all that stands between any
 * local user and the server's tools.
 */
export function bearerAuth(token: string) {
  const expected = digest(token);
  return (req: Request, res: Response, next: Next): void => {
    const match = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '');
    if (match?.[1] !== undefined && timingSafeEqual(digest(match[1]), expected)) {
      next();
      return;
    }
    sendRpcError(
      res,
      401,
      -32000,
      'Unauthorized: send the token of MCP_AUTH_TOKEN as Authorization: Bearer <token>',
      { 'WWW-Authenticate': 'Bearer' },
    );
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
