import { ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { isSlug, listDocs, readDoc } from '../docs.ts';
import { createLogger } from 'mcp-runtime/log';

/** Registers `doc`: each markdown document of `data/`, at `docs://{slug}`. */
export function registerDoc(server: McpServer): void {
  const log = createLogger('doc', server);
  server.registerResource(
    'doc',
    new ResourceTemplate('docs://{slug}', {
      // Makes every document show up in resources/list, not just the template.
      list: async () => ({
        resources: (await listDocs()).map(({ slug, uri, title, description }) => ({
          uri,
          name: slug,
          title,
          description,
          mimeType: 'text/markdown',
        })),
      }),
      complete: {
        slug: async (value) =>
          (await listDocs()).map(({ slug }) => slug).filter((slug) => slug.startsWith(value)),
      },
    }),
    {
      title: 'Document',
      description: 'A markdown document of this server, by slug; docs://index lists them.',
      mimeType: 'text/markdown',
    },
    async (uri, { slug }) => {
      if (typeof slug !== 'string' || !isSlug(slug)) {
        throw notFound(uri, ' (a slug is lower-case words joined by hyphens)');
      }
      const text = await readDoc(slug);
      if (text === undefined) throw notFound(uri, '; docs://index lists the documents');
      log.debug(`read ${uri.href}`);
      return { contents: [{ uri: uri.href, mimeType: 'text/markdown', text }] };
    },
  );
}

/** Invalid params (-32602): the resource-not-found code of the TypeScript SDK and of SEP-2164. */
function notFound(uri: URL, hint: string): McpError {
  return new McpError(ErrorCode.InvalidParams, `Resource ${uri.href} not found${hint}`, {
    uri: uri.href,
  });
}
