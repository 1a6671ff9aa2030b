// First import: keeps console output off stdout, like the stdio entry (supervisors read stdout).
import 'mcp-runtime/stdout-guard';
import { runHttp } from 'mcp-runtime/http';
import { createServer, packageInfo } from './server.ts';

await runHttp(createServer, packageInfo);
