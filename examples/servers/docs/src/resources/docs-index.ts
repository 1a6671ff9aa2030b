import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { listDocs } from '../docs.ts';

/** Registers `docs_index`: the list of documents as JSON, at `docs://index`. */
export function registerDocsIndex(server: McpServer): void {
  server.registerResource(
    'docs_index',
    'docs://index',
    {
      title: 'Documentation index',
      description: 'Every document this server has: slug, URI, title and a one-line description.',
      mimeType: 'application/json',
    },
    async (uri) => ({
      contents: [
        {
          uri: uri.href,
          mimeType: 'application/json',
          text: JSON.stringify({ docs: await listDocs() }, null, 2),
        },
      ],
    }),
  );
}
