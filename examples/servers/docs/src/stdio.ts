// First import: keeps console output off stdout, which carries the protocol.
import './runtime/stdout-guard.ts';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { stopWhenDone } from './runtime/lifecycle.ts';
import { createLogger } from './runtime/log.ts';
import { packageInfo } from './runtime/package-info.ts';
import { createServer } from './server.ts';

const server = createServer();
await server.connect(new StdioServerTransport());
createLogger('stdio').info(`${packageInfo.name} ${packageInfo.version} ready on stdio`);
stopWhenDone(() => server.close(), { watchStdin: true });
