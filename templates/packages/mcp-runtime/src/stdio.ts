import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { stopWhenDone } from './lifecycle.ts';
import { createLogger } from './log.ts';
import type { PackageInfo } from './package-info.ts';

/**
 * Serves one client over stdin/stdout until it goes away (stdin ends), a signal arrives or the
 * parent process exits. Import `mcp-runtime/stdout-guard` before anything else in the entry.
 */
export async function runStdio(createServer: () => McpServer, info: PackageInfo): Promise<void> {
  const server = createServer();
  await server.connect(new StdioServerTransport());
  createLogger('stdio').info(`${info.name} ${info.version} ready on stdio`);
  stopWhenDone(() => server.close(), { watchStdin: true });
}
