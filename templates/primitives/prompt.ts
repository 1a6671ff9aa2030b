import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import { z } from 'zod';

const AUDIENCES = ['beginner', 'practitioner', 'specialist'] as const;

const completeAudience = (value: string | undefined) =>
  AUDIENCES.filter((audience) => audience.startsWith(value ?? ''));

/** Registers the `template_name` prompt. */
export function registerTemplateName(server: McpServer): void {
  server.registerPrompt(
    'template_name',
    {
      title: 'Template name',
      description: 'Explain a topic to a chosen audience.',
      // Arguments arrive as strings; the descriptions are what the user sees when filling them in.
      argsSchema: {
        topic: z.string().min(1).describe('What to explain.'),
        // Suggestions while the user types. SDK 1.32 looks for completable() inside .optional() to
        // turn completions on, and outside it to answer them: an optional argument needs both.
        audience: completable(
          completable(z.enum(AUDIENCES), completeAudience)
            .optional()
            .describe('Who it is for: beginner (default), practitioner or specialist.'),
          completeAudience,
        ),
      },
    },
    ({ topic, audience = 'beginner' }) => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'text',
            text: `Explain ${topic}. The reader is a ${audience}: pitch the depth and vocabulary accordingly. Start with why it matters, then how it works, then give one concrete example.`,
          },
        },
      ],
    }),
  );
}
