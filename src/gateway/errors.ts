import type { McpError } from '@modelcontextprotocol/sdk/types.js';

/**
 * A JSON-RPC error for a downstream client. The SDK sends a thrown error's `code`, `message` and
 * `data`; an McpError's message already starts with "MCP error <code>: ", which the client's SDK
 * adds again, so the gateway throws plain errors with a code instead.
 */
export function rpcError(code: number, message: string, data?: unknown): Error {
  return Object.assign(new Error(message), { code, ...(data === undefined ? {} : { data }) });
}

/** An upstream server's JSON-RPC error, passed on as the server wrote it. */
export function passOn(error: McpError): Error {
  return rpcError(error.code, error.message.replace(/^MCP error -?\d+: /, ''), error.data);
}
