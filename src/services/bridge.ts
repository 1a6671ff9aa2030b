import { once } from 'node:events';
import { BridgeServer } from '../bridge/server.js';
import { accessFromEnv, parseListen } from '../bridge/options.js';
import { escapeJsonText, sanitizeText } from '../sanitize.js';

export interface BridgeOptions {
  /** `HOST:PORT`. */
  listen: string;
  /** The stdio server's command and arguments. */
  command: readonly string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** One JSON line per event. */
  out: (line: string) => void;
  /** Ends the bridge: every session and its process. */
  signal: AbortSignal;
  /** Told the URL once listening (tests). */
  onListening?: (url: string) => void;
}

/** `mcpx bridge`: serves until `signal`, then stops every session's process. */
export async function bridge(options: BridgeOptions): Promise<void> {
  const { host, port } = parseListen(options.listen);
  const access = accessFromEnv(options.env);
  const [command = '', ...args] = options.command;
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(options.env)) if (value !== undefined) env[key] = value;
  const log = (event: object): void =>
    options.out(escapeJsonText(JSON.stringify({ time: new Date().toISOString(), ...event })));
  const server = await BridgeServer.listen({
    host,
    port,
    ...access,
    launch: { command, args, cwd: options.cwd, env },
    maxSessions: Number(options.env.MAX_SESSIONS ?? '') || undefined,
    onEvent: (event) => log({ ...event, msg: sanitizeText(event.msg) }),
  });
  log({
    level: 'info',
    stream: 'mcpx',
    msg: `bridge ${server.url} -> ${options.command.join(' ')}`,
  });
  options.onListening?.(server.url);
  if (!options.signal.aborted) await once(options.signal, 'abort');
  await server.close();
  log({ level: 'info', stream: 'mcpx', msg: 'bridge stopped' });
}
