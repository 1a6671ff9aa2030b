/**
 * Reads a level out of one line of a server's stderr. Writing to stderr is what stdio MCP servers
 * must do with all their logging, so a stderr line is `info` unless the line itself says otherwise:
 * a JSON log record (pino, bunyan, winston, Python json loggers), logfmt (`level=warn msg="..."`),
 * or a leading level word (`INFO ...`, `[warn] ...`, `ERROR: ...`, `WARNING:root:...`).
 */
import { stripVTControlCharacters } from 'node:util';
import type { LogLevel } from './event.js';

export interface ParsedLine {
  level: LogLevel;
  /** The text without ANSI codes, the level word or a leading timestamp; one line. */
  msg: string;
  /** The whole record, when the line was JSON or logfmt. */
  data?: unknown;
}

/** Level names seen in the wild, mapped to RFC 5424 (the names MCP uses). */
const LEVEL_NAMES: Record<string, LogLevel> = {
  trace: 'debug',
  debug: 'debug',
  info: 'info',
  notice: 'notice',
  warn: 'warning',
  warning: 'warning',
  error: 'error',
  err: 'error',
  fatal: 'critical',
  critical: 'critical',
  crit: 'critical',
  alert: 'alert',
  emerg: 'emergency',
  emergency: 'emergency',
};

/**
 * Names that only structured records use: winston's `http`/`verbose`/`silly` and Cloud Logging's
 * `DEFAULT`. As leading words of free text they are too likely to be ordinary prose.
 */
const RECORD_LEVEL_NAMES: Record<string, LogLevel> = {
  ...LEVEL_NAMES,
  http: 'info',
  verbose: 'debug',
  silly: 'debug',
  default: 'info',
};

/** RFC 5424 level for a level name in any case (`WARN`, `warning`, `Err`), if it is one. */
export function levelFromName(name: string): LogLevel | undefined {
  return Object.hasOwn(LEVEL_NAMES, name.toLowerCase())
    ? LEVEL_NAMES[name.toLowerCase()]
    : undefined;
}

/** pino and bunyan numbers: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal. */
function levelFromNumber(n: number): LogLevel {
  if (n <= 20) return 'debug';
  if (n <= 30) return 'info';
  if (n <= 40) return 'warning';
  if (n <= 50) return 'error';
  return 'critical';
}

function recordLevel(value: unknown): LogLevel | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return levelFromNumber(value);
  if (typeof value !== 'string') return undefined;
  if (/^\d+$/.test(value)) return levelFromNumber(Number(value));
  const name = value.toLowerCase();
  return Object.hasOwn(RECORD_LEVEL_NAMES, name) ? RECORD_LEVEL_NAMES[name] : undefined;
}

/** Field names that carry the level: pino/bunyan/winston, Cloud Logging, logfmt, python, ECS. */
const LEVEL_FIELDS = ['level', 'severity', 'lvl', 'levelname', 'log.level'];
const MESSAGE_FIELDS = ['msg', 'message'];

/** A record's message may hold a stack trace; an event's msg is one line (data keeps the original). */
const oneLine = (text: string): string =>
  // The test first: the replace scans for \s* at every position, a cost per line of a flood.
  /[\r\n]/.test(text) ? text.replace(/\s*[\r\n]+\s*/g, ' ').trimEnd() : text.trimEnd();

/** Without ESC or CSI a line has no escape sequence to strip (most lines: one scan). */
const stripEscapes = (text: string): string =>
  // eslint-disable-next-line no-control-regex
  /[\u001b\u009b]/.test(text) ? stripVTControlCharacters(text) : text;

function fromRecord(record: Record<string, unknown>, text: string): ParsedLine | undefined {
  const level = LEVEL_FIELDS.map((f) => recordLevel(record[f])).find((l) => l !== undefined);
  const message = MESSAGE_FIELDS.map((f) => record[f]).find((m) => m !== undefined);
  if (level === undefined && message === undefined) return undefined;
  const msg =
    message === undefined ? text : typeof message === 'string' ? message : JSON.stringify(message);
  return { level: level ?? 'info', msg: oneLine(stripEscapes(msg)), data: record };
}

function parseJson(text: string): ParsedLine | undefined {
  if (!text.startsWith('{') || !text.endsWith('}')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return fromRecord(value as Record<string, unknown>, text);
}

const LOGFMT_LEVEL = /(?:^|\s)(?:level|lvl|severity)="?([A-Za-z]+)"?(?=\s|$)/;
const LOGFMT_PAIR = /([^\s=]+)(?:=(?:"((?:[^"\\]|\\.)*)"|(\S*)))?/g;

function parseLogfmt(text: string): ParsedLine | undefined {
  if (!text.includes('=')) return undefined;
  // Only a known level name makes it logfmt: "reached level=3 of 5" is prose.
  const hint = LOGFMT_LEVEL.exec(text);
  if (hint === null || recordLevel(hint[1]) === undefined) return undefined;
  const record: Record<string, unknown> = {};
  for (const [, key, quoted, bare] of text.matchAll(LOGFMT_PAIR)) {
    if (key === undefined) continue;
    record[key] = quoted === undefined ? (bare ?? true) : unquote(quoted);
  }
  return fromRecord(record, text);
}

/** logfmt quotes like Go's %q; JSON string escapes cover what loggers emit. */
function unquote(inner: string): string {
  try {
    return JSON.parse(`"${inner}"`) as string;
  } catch {
    return inner;
  }
}

const WORDS = Object.keys(LEVEL_NAMES)
  .sort((a, b) => b.length - a.length)
  .join('|');
// An optional timestamp (ISO date-time or a clock time, maybe bracketed) before the level: the
// event has its own time, so it is dropped with the level word.
const TIMESTAMP = String.raw`\[?(?:\d{4}-\d{2}-\d{2}[T ])?\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?\]?\s+`;
const LEADING_LEVEL = new RegExp(
  String.raw`^(?:${TIMESTAMP})?[[(<]?(${WORDS})[\])>]?(?::|\s|$)[\s:|-]*`,
  'i',
);

/** How Node prints an uncaught Error (`Error: boom`), as opposed to a logger's `ERROR: boom`. */
const NODE_ERROR = /^\s*Error: /;

function parseLeadingWord(text: string): ParsedLine | undefined {
  const match = LEADING_LEVEL.exec(text);
  const level = match?.[1] === undefined ? undefined : levelFromName(match[1]);
  if (match === null || level === undefined) return undefined;
  const rest = text.slice(match[0].length);
  // A bare "ERROR" keeps its word: an empty message says nothing. So does Node's "Error: boom"
  // from an uncaught exception: there the word is the error's class, part of the message.
  const keep = rest === '' || NODE_ERROR.test(text);
  return { level, msg: keep ? text.trim() : rest };
}

/**
 * Level and message of one stderr line (without its newline).
 *
 * @example
 * parseStderrLine('{"level":40,"msg":"slow"}')  // { level: 'warning', msg: 'slow', data: {...} }
 * parseStderrLine('[error] boom')               // { level: 'error', msg: 'boom' }
 * parseStderrLine('listening on stdio')         // { level: 'info', msg: 'listening on stdio' }
 */
export function parseStderrLine(line: string): ParsedLine {
  const text = oneLine(stripEscapes(line));
  const trimmed = text.trim();
  return (
    parseJson(trimmed) ??
    parseLogfmt(trimmed) ??
    parseLeadingWord(trimmed) ?? { level: 'info', msg: text }
  );
}
