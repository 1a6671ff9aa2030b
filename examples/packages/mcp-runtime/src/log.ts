import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { LoggingLevel } from '@modelcontextprotocol/sdk/types.js';

/** RFC 5424 severities, least severe first: the levels of `logging/setLevel` and of `LOG_LEVEL`. */
const LEVELS: readonly LoggingLevel[] = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency',
];

function isLevel(value: string): value is LoggingLevel {
  return (LEVELS as readonly string[]).includes(value);
}

const envLevel = process.env.LOG_LEVEL?.toLowerCase() ?? 'info';
const stderrThreshold = LEVELS.indexOf(isLevel(envLevel) ? envLevel : 'info');

/** Extra fields of an event; sent to the client as they are and printed to stderr as JSON. */
export type LogData = Record<string, unknown>;

/** Logs events of one part of the server (an entry, a primitive). */
export interface Logger {
  log(level: LoggingLevel, message: string, data?: LogData): void;
  debug(message: string, data?: LogData): void;
  info(message: string, data?: LogData): void;
  notice(message: string, data?: LogData): void;
  warning(message: string, data?: LogData): void;
  error(message: string, data?: LogData): void;
}

/**
 * Creates a logger named `name`. Each event at or above `LOG_LEVEL` (default `info`) goes to stderr
 * as one line, `LEVEL message {data}`: stderr, because on stdio the server's stdout is the protocol.
 *
 * With `server`, each event also goes to that server's client as `notifications/message`. The SDK
 * drops the ones below the level the client chose with `logging/setLevel` (per session, hence the
 * session id), and sends nothing while no client is connected.
 *
 * ```
 * INFO listening on http://127.0.0.1:3000/mcp
 * DEBUG counted words {"words":42}
 * ```
 */
export function createLogger(name: string, server?: McpServer): Logger {
  const log = (level: LoggingLevel, message: string, data?: LogData): void => {
    if (LEVELS.indexOf(level) >= stderrThreshold) {
      const line = message.replaceAll('\n', '\\n');
      process.stderr.write(
        `${level.toUpperCase()} ${line}${data ? ` ${JSON.stringify(data)}` : ''}\n`,
      );
    }
    if (server?.isConnected()) {
      server
        .sendLoggingMessage(
          { level, logger: name, data: data ? { message, ...data } : message },
          server.server.transport?.sessionId,
        )
        // The client may be gone by now; logging must never take the server down.
        .catch(() => {});
    }
  };
  return {
    log,
    debug: (message, data) => log('debug', message, data),
    info: (message, data) => log('info', message, data),
    notice: (message, data) => log('notice', message, data),
    warning: (message, data) => log('warning', message, data),
    error: (message, data) => log('error', message, data),
  };
}
