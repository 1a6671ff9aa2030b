import { Chalk, type ChalkInstance, type ForegroundColorName } from 'chalk';
import { CLUSTER, type LogEvent, levelRank, replicaLabel } from '../logs/event.js';
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
function clock(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const ms = String(d.getMilliseconds()).padStart(3, '0');
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}.${ms}`;
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
  const c = options.color ? colored : plain;
  const label = sanitizeText(
    replicaLabel(event.server, event.replica, options.replicas?.get(event.server)),
  ).padEnd(options.width ?? 0);
  const bar = c.gray('|');
  const msg = messageStyle(c, event.level)(sanitizeText(event.msg));
  return `${c.gray(clock(event.time))} ${bar} ${serverStyle(c, event.server, options.colors)(label)} ${bar} ${msg}`;
}
