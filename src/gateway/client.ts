/**
 * An SDK Client session with the running gateway, for the one-shot commands (`mcpx call`,
 * `mcpx tools`). It speaks to the gateway like any MCP client would, token included.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { ExitCode, McpxError } from '../errors.js';
import type { GatewayTarget } from './locate.js';
import { upstreamFailure } from './upstream-failure.js';

/**
 * Opens a session at `url` of the gateway `target`, runs `use`, and ends the session (DELETE) so
 * the gateway does not keep it until it expires.
 */
export async function withGatewayClient<T>(
  root: string,
  target: GatewayTarget,
  url: URL,
  use: (client: Client) => Promise<T>,
): Promise<T> {
  const headers: Record<string, string> =
    target.token === undefined ? {} : { authorization: `Bearer ${target.token}` };
  const transport = new StreamableHTTPClientTransport(url, { requestInit: { headers } });
  const client = new Client({ name: 'mcpx', version: '0.1.0' }, { capabilities: {} });
  try {
    await client.connect(transport);
  } catch (error) {
    await client.close().catch(() => {});
    throw unreachable(root, url, error);
  }
  try {
    return await use(client);
  } finally {
    await transport.terminateSession().catch(() => {});
    await client.close().catch(() => {});
  }
}

function unreachable(root: string, url: URL, error: unknown): McpxError {
  const failure = upstreamFailure(error);
  const hint =
    failure.kind === 'http' && /\(401\)/.test(failure.reason)
      ? `the token is read from ${root}/.mcpx/gateway-token; restart \`mcpx dev\` if it was edited or removed`
      : 'check the terminal running `mcpx dev`';
  return new McpxError(
    `Could not open an MCP session with the gateway at ${url.href}: ${failure.reason}.`,
    {
      hint,
      exitCode: ExitCode.unreachable,
      cause: error,
    },
  );
}

/** Every tool the client's endpoint lists, following cursors. */
export async function listAll(client: Client): Promise<Tool[]> {
  const tools: Tool[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor === undefined ? {} : { cursor });
    tools.push(...page.tools);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return tools;
}
