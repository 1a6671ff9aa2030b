import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Express's request and response extend Node's; the host uses only Node's side of them (and the
 * body that `express.json()` parsed), so it needs no Express types.
 */
export type Request = IncomingMessage & { body?: unknown };
export type Response = ServerResponse;
export type Next = (error?: unknown) => void;

/** Answers with a JSON-RPC error body, the shape MCP clients read from any failed request. */
export function sendRpcError(
  res: Response,
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { jsonrpc: '2.0', error: { code, message }, id: null }, headers);
}

export function sendJson(
  res: Response,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** 405 unless the request's method is one of `methods`; true when it may go on. */
export function allowMethods(req: Request, res: Response, methods: readonly string[]): boolean {
  if (methods.includes(req.method ?? '')) return true;
  sendRpcError(res, 405, -32000, 'Method not allowed', { Allow: methods.join(', ') });
  return false;
}
