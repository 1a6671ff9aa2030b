import { createHash } from 'node:crypto';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

const ALGORITHMS = ['sha256', 'sha1', 'md5'] as const;
const ENCODINGS = ['hex', 'base64'] as const;

/** Registers `hash_text`: the SHA-256, SHA-1 or MD5 digest of a text. */
export function registerHashText(server: McpServer): void {
  server.registerTool(
    'hash_text',
    {
      title: 'Hash text',
      description:
        'Compute the digest of a text (UTF-8) with SHA-256, SHA-1 or MD5, as hex or base64. Use it to compare texts or check a published checksum; SHA-1 and MD5 are not safe for security.',
      inputSchema: {
        text: z.string().describe('The text to hash, encoded as UTF-8.'),
        algorithm: z.enum(ALGORITHMS).default('sha256').describe('Hash algorithm.'),
        encoding: z.enum(ENCODINGS).default('hex').describe('How to write the digest.'),
      },
      outputSchema: {
        algorithm: z.enum(ALGORITHMS),
        encoding: z.enum(ENCODINGS),
        digest: z.string().describe('The digest in the chosen encoding.'),
      },
      annotations: {
        readOnlyHint: true,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: false,
      },
    },
    ({ text, algorithm, encoding }) => {
      const digest = createHash(algorithm).update(text, 'utf8').digest(encoding);
      const result = { algorithm, encoding, digest };
      return {
        structuredContent: result,
        content: [{ type: 'text', text: JSON.stringify(result) }],
      };
    },
  );
}
