import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
// mcpx:imports (mcpx inserts imports above this line)

/** Registers every tool of this server. */
export function registerTools(server: McpServer): void {
  // mcpx:register (mcpx inserts registrations above this line)
}
