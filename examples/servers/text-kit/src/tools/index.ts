import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { registerConvertUnits } from './convert-units.ts';
import { registerCountWords } from './count-words.ts';
import { registerHashText } from './hash-text.ts';
// mcpx:imports (mcpx inserts imports above this line)

/** Registers every tool of this server. */
export function registerTools(server: McpServer): void {
  registerCountWords(server);
  registerHashText(server);
  registerConvertUnits(server);
  // mcpx:register (mcpx inserts registrations above this line)
}
