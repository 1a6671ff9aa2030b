import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';

/** Registers the `template_name` resource at `mcpx://template-name`. */
export function registerTemplateName(server: McpServer): void {
  server.registerResource(
    'template_name',
    'mcpx://template-name',
    {
      title: 'Template name',
      description: 'Facts about the running server process: Node.js version, platform, uptime.',
      mimeType: 'application/json',
    },
    // Called on every resources/read: return the current data, not a copy taken at start-up.
    (uri) => ({
      contents: [
        {
          uri: uri.href,
          mimeType: 'application/json',
          text: JSON.stringify(
            {
              node: process.version,
              platform: process.platform,
              uptimeSeconds: Math.round(process.uptime()),
            },
            null,
            2,
          ),
        },
      ],
    }),
  );
}
