import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { createLogger } from 'mcp-runtime/log';

/** Average silent reading speed of adults reading English non-fiction (Brysbaert, 2019). */
const WORDS_PER_MINUTE = 238;

// Unicode segmentation finds words in languages written without spaces too, and counts an emoji
// or an accented letter as one character however many code points it takes.
const wordSegmenter = new Intl.Segmenter(undefined, { granularity: 'word' });
const graphemeSegmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Counts words, lines and characters of `text` and estimates its reading time. */
function measure(text: string) {
  const words = [...wordSegmenter.segment(text)].filter((segment) => segment.isWordLike).length;
  return {
    words,
    lines: text === '' ? 0 : text.replace(/\r?\n$/, '').split(/\r?\n/).length,
    characters: [...graphemeSegmenter.segment(text)].length,
    readingMinutes: Math.round((words / WORDS_PER_MINUTE) * 10) / 10,
  };
}

/** Registers `count_words`: words, lines, characters and reading time of a text. */
export function registerCountWords(server: McpServer): void {
  const log = createLogger('count_words', server);
  server.registerTool(
    'count_words',
    {
      title: 'Count words',
      description:
        'Count the words, lines and characters of a text and estimate how long it takes to read. Works for any language, including ones written without spaces.',
      inputSchema: { text: z.string().describe('The text to measure.') },
      outputSchema: {
        words: z.number().int().describe('Number of words.'),
        lines: z.number().int().describe('Number of lines; a final line break starts no new one.'),
        characters: z.number().int().describe('Number of user-perceived characters (graphemes).'),
        readingMinutes: z
          .number()
          .describe(`Estimated reading time in minutes, at ${WORDS_PER_MINUTE} words per minute.`),
      },
      annotations: {
        readOnlyHint: true,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: false,
      },
    },
    ({ text }) => {
      const stats = measure(text);
      log.debug('counted words', stats);
      // Clients that do not read structuredContent still get the same data as text.
      return { structuredContent: stats, content: [{ type: 'text', text: JSON.stringify(stats) }] };
    },
  );
}
