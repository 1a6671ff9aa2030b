import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { registerReviewCode } from './review-code.ts';
import { registerSummarize } from './summarize.ts';
// mcpx:imports (mcpx inserts imports above this line)

/** Registers every prompt of this server. */
export function registerPrompts(server: McpServer): void {
  registerSummarize(server);
  registerReviewCode(server);
  // mcpx:register (mcpx inserts registrations above this line)
}
