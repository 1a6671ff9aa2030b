// First import: keeps console output off stdout, which carries the protocol.
import 'mcp-runtime/stdout-guard';
import { runStdio } from 'mcp-runtime/stdio';
import { createServer, packageInfo } from './server.ts';

await runStdio(createServer, packageInfo);
