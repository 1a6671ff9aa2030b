import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { readPackageInfo } from 'mcp-runtime/package-info';
import { registerTools } from './tools/index.ts';
// mcpx:imports (mcpx inserts imports above this line)

/** This server's name, version and description: renaming it is an edit of package.json alone. */
export const packageInfo = readPackageInfo(new URL('../package.json', import.meta.url));

/**
 * Creates a new MCP server with every primitive of this package. Each call returns a fresh
 * instance: the HTTP entry needs one per session.
 */
export function createServer(): McpServer {
  const { name, version, description } = packageInfo;
  const server = new McpServer(
    { name, version, description },
    {
      capabilities: { logging: {} },
      instructions:
        'Small, deterministic text and number utilities: count words and reading time, hash text, convert units. Use them instead of estimating these values yourself.',
    },
  );
  registerTools(server);
  // mcpx:register (mcpx inserts registrations above this line)
  return server;
}
