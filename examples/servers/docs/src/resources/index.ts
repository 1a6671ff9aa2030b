import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { registerDoc } from './doc.ts';
import { registerDocsIndex } from './docs-index.ts';
// mcpx:imports (mcpx inserts imports above this line)

/** Registers every resource of this server. */
export function registerResources(server: McpServer): void {
  registerDocsIndex(server);
  registerDoc(server);
  // mcpx:register (mcpx inserts registrations above this line)
}
