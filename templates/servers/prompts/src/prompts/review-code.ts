import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import { z } from 'zod';

/** Suggestions for `language`; any other language works too. */
const LANGUAGES =
  'bash c cpp csharp go java javascript kotlin python ruby rust sql swift typescript'.split(' ');

const FOCUSES = ['correctness', 'security', 'performance', 'readability', 'tests'] as const;

const FOCUS_QUESTIONS: Record<(typeof FOCUSES)[number], string> = {
  correctness: 'Does it do what it is meant to, including on empty, large and invalid input?',
  security:
    'Can untrusted input reach a query, a command, a path or HTML unescaped? Are secrets exposed?',
  performance: 'Is work repeated, are there quadratic loops, blocking calls or unbounded memory?',
  readability: 'Are names, structure and comments clear to the next reader?',
  tests: 'Which behaviours lack a test, and which test would catch the likeliest bug?',
};

const completeFocus = (value: string | undefined) =>
  FOCUSES.filter((focus) => focus.startsWith(value ?? ''));

/** A markdown code fence longer than any run of backticks inside `code`. */
function fence(code: string): string {
  const longestRun = Math.max(0, ...(code.match(/`+/g) ?? []).map((run) => run.length));
  return '`'.repeat(Math.max(3, longestRun + 1));
}

/** Registers `review_code`: a prompt that asks for a code review with an optional focus. */
export function registerReviewCode(server: McpServer): void {
  server.registerPrompt(
    'review_code',
    {
      title: 'Review code',
      description:
        'Review a piece of code, optionally focused on correctness, security, performance, readability or tests.',
      argsSchema: {
        code: z.string().min(1).describe('The code to review.'),
        language: completable(
          z.string().min(1).describe('Programming language of the code, e.g. typescript.'),
          (value) => LANGUAGES.filter((language) => language.startsWith(value.toLowerCase())),
        ),
        // SDK 1.32 looks for completable() inside .optional() to turn completions on, and outside
        // it to answer them: an optional argument needs both.
        focus: completable(
          completable(z.enum(FOCUSES), completeFocus)
            .optional()
            .describe(`What to look at most closely: ${FOCUSES.join(', ')}.`),
          completeFocus,
        ),
      },
    },
    ({ code, language, focus }) => {
      const marks = fence(code);
      const questions = focus ? [FOCUS_QUESTIONS[focus]] : Object.values(FOCUS_QUESTIONS);
      return {
        description: `Review of ${language} code${focus ? ` for ${focus}` : ''}`,
        // The code first and the request last, in separate messages: the model can tell the
        // material from the request, and models follow a request best when it comes last.
        messages: [
          {
            role: 'user',
            content: { type: 'text', text: `${marks}${language}\n${code}\n${marks}` },
          },
          {
            role: 'user',
            content: {
              type: 'text',
              text: [
                `Review the ${language} code above${focus ? `, focusing on ${focus}` : ''}.`,
                ...questions.map((question) => `- ${question}`),
                'For each problem, quote the code, explain why it matters and propose a fix.',
                'List the problems from most to least severe. If you find none, say so.',
              ].join('\n'),
            },
          },
        ],
      };
    },
  );
}
