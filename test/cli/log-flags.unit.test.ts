import { describe, expect, it } from 'vitest';
import { McpxError } from '../../src/errors.js';
import { grepFlag, levelFlag, parseSince, sinceFlag } from '../../src/cli/log-flags.js';

/** What a flag's parse function makes of the text typed after it (oclif calls it so). */
async function parsed<T>(
  flag: { parse: (input: string, context: never, options: never) => Promise<T | undefined> },
  input: string,
): Promise<T> {
  const value = await flag.parse(input, {} as never, flag as never);
  if (value === undefined) throw new Error(`${input} parsed to nothing`);
  return value;
}

describe('parseSince', () => {
  const now = new Date('2025-06-01T12:00:00.000Z');
  const ago = (text: string): number | undefined => {
    const date = parseSince(text, now);
    return date === undefined ? undefined : now.getTime() - date.getTime();
  };

  it('counts durations back from now', () => {
    expect(ago('30s')).toBe(30_000);
    expect(ago('10m')).toBe(600_000);
    expect(ago('2h')).toBe(7_200_000);
    expect(ago('1d')).toBe(86_400_000);
    expect(ago('1h30m')).toBe(5_400_000);
    expect(ago('1.5h')).toBe(5_400_000);
  });

  it('reads ISO dates and times, local unless they have a zone', () => {
    expect(parseSince('2025-05-31T10:00:00Z', now)?.toISOString()).toBe('2025-05-31T10:00:00.000Z');
    expect(parseSince('2025-05-31T10:00:00.5+02:00', now)?.toISOString()).toBe(
      '2025-05-31T08:00:00.500Z',
    );
    expect(parseSince('2025-05-31 10:00', now)?.getTime()).toBe(
      new Date(2025, 4, 31, 10, 0).getTime(),
    );
    expect(parseSince('2025-05-31', now)?.getTime()).toBe(new Date(2025, 4, 31).getTime());
  });

  it('rejects anything else', () => {
    for (const text of ['', '10', '5x', 'yesterday', 'm10', '2025-13-45', '10m ago']) {
      expect(parseSince(text, now), text).toBeUndefined();
    }
  });
});

describe('--level, --since and --grep parse in the flag, not in the service', () => {
  it('turns text into a level, a time and a regular expression', async () => {
    expect(await parsed(levelFlag, 'warn')).toBe('warning');
    expect(await parsed(levelFlag, 'error')).toBe('error');
    const before = Date.now();
    const since = await parsed(sinceFlag, '10m');
    expect(since.getTime()).toBeGreaterThanOrEqual(before - 600_000);
    expect(since.getTime()).toBeLessThanOrEqual(Date.now() - 600_000);
    expect((await parsed(grepFlag, String.raw`\d+ ms`)).test('slow: 812 ms')).toBe(true);
  });

  it('explains bad input with a hint, as usage errors (exit 2)', async () => {
    const cases: [Promise<unknown>, RegExp][] = [
      [parsed(sinceFlag, 'yesterday'), /^--since "yesterday" is neither a duration nor a time\.$/],
      [parsed(grepFlag, '(unclosed'), /^--grep "\(unclosed" is not a valid regular expression/],
      [parsed(levelFlag, 'loud'), /^"loud" is not a log level\.$/],
    ];
    for (const [promise, message] of cases) {
      const error = await promise.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(McpxError);
      expect((error as McpxError).message).toMatch(message);
      expect((error as McpxError).hint).toBeTruthy();
      expect((error as McpxError).exitCode).toBe(2);
    }
  });
});
