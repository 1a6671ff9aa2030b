import { Chalk, type ChalkInstance, type ForegroundColorName } from 'chalk';
import { CLUSTER, LOG_LEVELS, type LogEvent, levelRank, replicaLabel } from '../logs/event.js';
import { sanitizeText } from '../sanitize.js';
import { out } from './colors.js';

const plain = new Chalk({ level: 0 });
/** A caller that asks for colour gets it even where stdout alone would not (a test, a pager). */
const colored = out.level > 0 ? out : new Chalk({ level: 1 });

/**
 * Server colours: distinct on dark and light terminals, and none of them yellow or red, which
 * belong to warning and error messages. In this order each differs in hue from the one before and
 * after it (a bright colour is hard to tell from its plain one).
 */
const PALETTE: readonly ForegroundColorName[] = [
  'cyan',
  'magenta',
  'green',
  'blueBright',
  'magentaBright',
  'greenBright',
  'cyanBright',
  'blue',
];

/**
 * Colours for the servers of the manifest, in its order: the first eight each get their own, and
 * neighbours always differ in hue. The same in `mcpx dev` and `mcpx logs`, which both pass every
 * server of the manifest.
 */
export function serverColors(names: readonly string[]): ReadonlyMap<string, ForegroundColorName> {
  return new Map(
    names.filter((n) => n !== CLUSTER).map((n, i) => [n, PALETTE[i % PALETTE.length]!] as const),
  );
}

/** FNV-1a, for a server the manifest does not (or no longer) have: a stable colour all the same. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function serverStyle(
  c: ChalkInstance,
  server: string,
  colors: ReadonlyMap<string, ForegroundColorName> | undefined,
): ChalkInstance {
  if (server === CLUSTER) return c.bold;
  return c[colors?.get(server) ?? PALETTE[hash(server) % PALETTE.length]!];
}

const ERROR_RANK = levelRank('error');
const CRITICAL_RANK = levelRank('critical');

function messageStyle(c: ChalkInstance, level: LogEvent['level']): (text: string) => string {
  if (level === 'debug') return c.dim;
  if (level === 'warning') return c.yellow;
  const rank = levelRank(level);
  if (rank >= CRITICAL_RANK) return c.red.bold;
  if (rank >= ERROR_RANK) return c.red;
  return (text) => text;
}

/** The labels of every replica of these servers, for the width of the server column. */
export function replicaLabels(
  names: readonly string[],
  replicas: ReadonlyMap<string, number> = new Map(),
): string[] {
  return names.flatMap((name) => {
    const count = replicas.get(name) ?? 1;
    return Array.from({ length: count }, (_, i) => replicaLabel(name, i, count));
  });
}

/** Width of the server column for these labels (names, or `replicaLabel`s of replicas). */
export function serverColumnWidth(labels: readonly string[]): number {
  return labels.reduce((width, label) => Math.max(width, label.length), 0);
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** Local wall-clock time, as a terminal user reads it next to their own clock. */
function clockOf(d: Date): string {
  const ms = String(d.getMilliseconds()).padStart(3, '0');
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}.${ms}`;
}

let clockSecond = '';
let clockSecondText = '';

const isDigit = (text: string, i: number): boolean => {
  const code = text.charCodeAt(i);
  return code >= 48 && code <= 57;
};

/**
 * The local clock of an event time. Every offset from UTC is whole seconds, so for the
 * `YYYY-MM-DDTHH:MM:SS.mmmZ` that mcpx writes, the local time of each second is worked out once
 * and the milliseconds are copied: a flood has thousands of events in a second.
 */
function clock(iso: string): string {
  if (
    iso.length === 24 &&
    iso.charCodeAt(19) === 46 && // .
    iso.charCodeAt(23) === 90 && // Z
    isDigit(iso, 20) &&
    isDigit(iso, 21) &&
    isDigit(iso, 22)
  ) {
    const second = iso.slice(0, 19);
    if (second !== clockSecond) {
      const d = new Date(`${second}Z`);
      if (Number.isNaN(d.getTime())) return iso;
      clockSecondText = clockOf(d).slice(0, 8);
      clockSecond = second;
    }
    return `${clockSecondText}.${iso.slice(20, 23)}`;
  }
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : clockOf(d);
}

export interface LogLineOptions {
  /** ANSI colours; false gives plain text. Callers usually pass `out.level > 0`. */
  color: boolean;
  /** Width the server column is padded to, from `serverColumnWidth` (default: no padding). */
  width?: number;
  /** Replicas per server (default 1), for its label: `docs#0` only where docs has several. */
  replicas?: ReadonlyMap<string, number>;
  /** Each server's colour, from `serverColors` (default: one from a hash of its name). */
  colors?: ReadonlyMap<string, ForegroundColorName>;
}

/**
 * One event as one terminal line (no newline): time, server, message. Each server has a stable
 * colour, `mcpx` itself is bold, and the message is coloured by level (debug dim, warning yellow,
 * error red, critical and above bold red). What a server wrote is sanitised (see sanitize.ts): its
 * colour codes are removed and other control characters shown as escapes, so it cannot act on the
 * terminal.
 *
 * ```
 * 14:03:07.412 | mcpx      | starting 3 servers
 * 14:03:07.530 | text-kit  | listening on stdio
 * 14:03:07.988 | docs#1    | GET /mcp 200 in 3 ms
 * 14:03:08.001 | writing   | deprecated option "style"; use "tone"
 * ```
 */
export function formatLogLine(event: LogEvent, options: LogLineOptions): string {
  return logLineFormatter(options)(event, options.width);
}

/**
 * formatLogLine for a stream of events, with what repeats from line to line made once: the time
 * of each millisecond, each label's padded and coloured column, each level's style. `width` may
 * grow between calls (a server the column did not know); `options.replicas` may change (a server
 * scaled in mcpx.json).
 */
export function logLineFormatter(
  options: Omit<LogLineOptions, 'width'>,
): (event: LogEvent, width?: number) => string {
  const c = options.color ? colored : plain;
  const bar = c.gray('|');
  const styles = new Map(LOG_LEVELS.map((level) => [level, messageStyle(c, level)]));
  const columns = new Map<string, { server: string; width: number; text: string }>();
  let lastTime = '';
  let lastTimeText = '';
  return (event, width = 0) => {
    if (event.time !== lastTime) {
      lastTimeText = c.gray(clock(event.time));
      lastTime = event.time;
    }
    const label = replicaLabel(event.server, event.replica, options.replicas?.get(event.server));
    let column = columns.get(label);
    if (column === undefined || column.server !== event.server || column.width !== width) {
      const padded = sanitizeText(label).padEnd(width);
      const text = ` ${bar} ${serverStyle(c, event.server, options.colors)(padded)} ${bar} `;
      column = { server: event.server, width, text };
      columns.set(label, column);
    }
    const style = styles.get(event.level) ?? messageStyle(c, event.level);
    return `${lastTimeText}${column.text}${style(sanitizeText(event.msg))}`;
  };
}
