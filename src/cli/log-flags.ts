import * as Flags from '@oclif/core/flags';
import { McpxError } from '../errors.js';
import { LOG_LEVELS, type LogLevel } from '../logs/event.js';
import { levelFromName } from '../logs/parse-line.js';

/**
 * `--level`: oclif refuses a name not among the options (BaseCommand words that error); the parse
 * turns the alias `warn` into the RFC 5424 `warning` the filter compares with.
 */
export const levelFlag = Flags.custom<LogLevel>({
  char: 'l',
  options: [...LOG_LEVELS, 'warn'],
  summary: 'Only events at this level or above (RFC 5424 names; warn means warning).',
  parse: async (input) => {
    const level = levelFromName(input);
    if (level === undefined) {
      throw new McpxError(`"${input}" is not a log level.`, {
        hint: `use one of ${LOG_LEVELS.join(', ')} (or warn)`,
      });
    }
    return level;
  },
})();

/** `--since`: the time a duration ago, or an ISO time. */
export const sinceFlag = Flags.custom<Date>({
  summary: 'Only events since a duration ago (30s, 10m, 2h, 1d) or an ISO time.',
  parse: async (input) => {
    const date = parseSince(input, new Date());
    if (date === undefined) {
      throw new McpxError(`--since "${input}" is neither a duration nor a time.`, {
        hint: 'use a duration such as 30s, 10m, 2h or 1d, or an ISO time such as 2025-06-01T14:30',
      });
    }
    return date;
  },
})();

/** `--grep`: a regular expression, compiled once here. */
export const grepFlag = Flags.custom<RegExp>({
  char: 'g',
  summary: 'Only events whose message matches this regular expression (case-sensitive).',
  parse: async (input) => {
    try {
      return new RegExp(input);
    } catch (error) {
      throw new McpxError(
        `--grep "${input}" is not a valid regular expression: ${(error as Error).message}`,
        {
          hint: 'escape characters such as ( [ * + ? with a backslash, e.g. --grep "timeout \\(5s\\)"',
          cause: error,
        },
      );
    }
  },
})();

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(?:\d+(?:\.\d+)?[smhd])+$/;
const ISO_TIME =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * The time `since` names: a duration back from `now` (`30s`, `10m`, `2h`, `1d`, `1h30m`) or an ISO
 * date or date-time (`2025-06-01`, `2025-06-01T14:30`, local time unless it has a zone). Undefined
 * when it is neither.
 */
export function parseSince(since: string, now: Date): Date | undefined {
  const text = since.trim();
  if (DURATION.test(text)) {
    let ms = 0;
    for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d+)?)([smhd])/g)) {
      ms += Number(n) * UNIT_MS[unit!]!;
    }
    return new Date(now.getTime() - ms);
  }
  if (!ISO_TIME.test(text)) return undefined;
  // A bare date would be UTC midnight in JavaScript; every other form here is local time.
  const time = new Date(text.length === 10 ? `${text}T00:00` : text.replace(' ', 'T'));
  return Number.isNaN(time.getTime()) ? undefined : time;
}
