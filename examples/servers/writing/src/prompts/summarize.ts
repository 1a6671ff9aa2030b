import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import { z } from 'zod';

const STYLES = ['paragraph', 'bullets', 'tldr'] as const;

const completeStyle = (value: string | undefined) =>
  STYLES.filter((style) => style.startsWith(value ?? ''));

const STYLE_INSTRUCTIONS: Record<(typeof STYLES)[number], string> = {
  paragraph: 'Write one paragraph of plain prose.',
  bullets: 'Write a bulleted list of the key points, the most important first.',
  tldr: 'Write a single sentence that a reader in a hurry can act on.',
};

/** Registers `summarize`: a prompt that asks for a summary of a text in a chosen style. */
export function registerSummarize(server: McpServer): void {
  server.registerPrompt(
    'summarize',
    {
      title: 'Summarize',
      description: 'Summarize a text as a paragraph, a bulleted list or a one-line TL;DR.',
      argsSchema: {
        text: z.string().min(1).describe('The text to summarize.'),
        // SDK 1.32 looks for completable() inside .optional() to turn completions on, and outside
        // it to answer them: an optional argument needs both.
        style: completable(
          completable(z.enum(STYLES), completeStyle)
            .optional()
            .describe('paragraph (default), bullets or tldr.'),
          completeStyle,
        ),
        // Prompt arguments always arrive as strings; coerce turns "50" into 50.
        max_words: z.coerce
          .number()
          .int()
          .min(10)
          .max(2000)
          .optional()
          .describe('Longest acceptable summary, in words (10 to 2000).'),
      },
    },
    ({ text, style = 'paragraph', max_words }) => ({
      description: `Summary of a text as ${style}`,
      // The text first and the request last, in separate messages: the model can tell the
      // material from the request, and models follow a request best when it comes last.
      messages: [
        { role: 'user', content: { type: 'text', text: `<text>\n${text}\n</text>` } },
        {
          role: 'user',
          content: {
            type: 'text',
            text: [
              'Summarize the text above.',
              STYLE_INSTRUCTIONS[style],
              max_words === undefined ? '' : `Use at most ${max_words} words.`,
              'Keep to what the text says: add no facts or opinions of your own.',
              'Write in the language of the text.',
            ]
              .filter((line) => line !== '')
              .join('\n'),
          },
        },
      ],
    }),
  );
}
