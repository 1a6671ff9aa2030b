import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
// mcpx:imports (mcpx inserts imports above this line)

/** Registers every resource of this server. */
export function registerResources(server: McpServer): void {
  // mcpx:register (mcpx inserts registrations above this line)
}
