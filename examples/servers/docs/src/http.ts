// First import: keeps console output off stdout, like the stdio entry (supervisors read stdout).
import './runtime/stdout-guard.ts';
import { httpOptionsFromEnv, serveHttp } from './runtime/http-host.ts';
import { stdinIsPipe, stopWhenDone } from './runtime/lifecycle.ts';
import { createServer } from './server.ts';

const host = await serveHttp(createServer, httpOptionsFromEnv());
stopWhenDone(host.close, { watchStdin: stdinIsPipe(), idle: host.idle });
