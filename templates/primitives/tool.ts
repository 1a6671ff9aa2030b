import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

/** Registers the `template_name` tool. */
export function registerTemplateName(server: McpServer): void {
  server.registerTool(
    'template_name',
    {
      title: 'Template name',
      // Models read the description to decide when to call the tool: say what it does and when.
      description:
        'Summarize a list of numbers: count, sum, mean, minimum and maximum. Use it instead of doing arithmetic by hand.',
      inputSchema: {
        values: z.array(z.number()).min(1).max(10_000).describe('The numbers to summarize.'),
      },
      outputSchema: {
        count: z.number().int(),
        sum: z.number(),
        mean: z.number(),
        min: z.number(),
        max: z.number(),
      },
      // Hints for the client, e.g. whether to ask the user first: keep them true to what the
      // handler does. This one only reads its input (readOnly), returns the same output for the
      // same input (idempotent) and reaches nothing outside this process (openWorld: false).
      annotations: {
        readOnlyHint: true,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: false,
      },
    },
    ({ values }) => {
      const sum = values.reduce((total, value) => total + value, 0);
      // A failure the model can act on is a result with isError, not a thrown exception.
      if (!Number.isFinite(sum)) {
        return {
          isError: true,
          content: [{ type: 'text', text: 'The sum is too large for a 64-bit float.' }],
        };
      }
      const output = {
        count: values.length,
        sum,
        mean: sum / values.length,
        min: Math.min(...values),
        max: Math.max(...values),
      };
      // structuredContent must match outputSchema; the same JSON as text serves older clients.
      return {
        structuredContent: output,
        content: [{ type: 'text', text: JSON.stringify(output) }],
      };
    },
  );
}
