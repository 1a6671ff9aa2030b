import { describe, expect, it } from 'vitest';
import type { LogLevel } from '../../src/logs/event.js';
import { eventTime, replicaLabel } from '../../src/logs/event.js';
import { formatLogLine, logLineFormatter, serverColumnWidth } from '../../src/ui/log-line.js';
import { event, range } from './helpers.js';

const ESC = '\u001b[';
/** The wall-clock time the terminal shows for an event: local time, like the user's own clock. */
const local = (iso: string): string => {
  const d = new Date(iso);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
};

describe('formatLogLine', () => {
  it('prints time | server | message, padded to the given width', () => {
    const e = event(123, { msg: 'listening on stdio' });
    expect(formatLogLine(e, { color: false, width: 9 })).toBe(
      `${local(e.time)} | weather   | listening on stdio`,
    );
    expect(formatLogLine(e, { color: false })).toBe(
      `${local(e.time)} | weather | listening on stdio`,
    );
    expect(local(e.time)).toMatch(/^\d\d:\d\d:\d\d\.123$/);
  });

  it('marks replicas after the first with #n', () => {
    expect(replicaLabel('docs', 0)).toBe('docs');
    expect(replicaLabel('docs', 2)).toBe('docs#2');
    // With the count known, every replica of a server with several has its number.
    expect(replicaLabel('docs', 0, 2)).toBe('docs#0');
    expect(replicaLabel('docs', 0, 1)).toBe('docs');
    // A replica after the first keeps its number when the count says one (scaled down since, or
    // a stale count): it is never labelled as the first replica is.
    expect(replicaLabel('docs', 1, 1)).toBe('docs#1');
    const line = formatLogLine(event(0, { server: 'docs', replica: 1 }), {
      color: false,
      width: 7,
    });
    expect(line.split(' | ')[1]).toBe('docs#1 ');
  });

  it('computes the column width from the known names', () => {
    expect(serverColumnWidth(['mcpx', 'text-kit', 'docs'])).toBe(8);
    expect(serverColumnWidth([])).toBe(0);
  });

  it('has no ANSI codes without colour, even when the message had some', () => {
    const line = formatLogLine(event(0, { level: 'error', msg: `${ESC}31mred${ESC}0m` }), {
      color: false,
    });
    expect(line).not.toContain('\u001b');
    expect(line.endsWith('| red')).toBe(true);
  });

  it('colours messages by level: debug dim, warning yellow, error red, critical bold red', () => {
    const msg = (level: LogLevel): string =>
      formatLogLine(event(0, { level, msg: 'm' }), { color: true })
        .split(' ')
        .at(-1)!;
    expect(msg('info')).toBe('m');
    expect(msg('notice')).toBe('m');
    expect(msg('debug')).toBe(`${ESC}2mm${ESC}22m`);
    expect(msg('warning')).toBe(`${ESC}33mm${ESC}39m`);
    expect(msg('error')).toBe(`${ESC}31mm${ESC}39m`);
    for (const level of ['critical', 'alert', 'emergency'] as const) {
      expect(msg(level)).toContain(`${ESC}31m`);
      expect(msg(level)).toContain(`${ESC}1m`);
    }
  });

  it('gives each server a stable colour of its own, and mcpx a neutral bold', () => {
    const label = (server: string): string =>
      formatLogLine(event(0, { server }), { color: true }).split(' ')[2]!;
    expect(label('weather')).toBe(label('weather'));
    expect(label('weather')).not.toBe(`weather`);
    expect(label('mcpx')).toBe(`${ESC}1mmcpx${ESC}22m`);
    const codes = new Set(
      ['weather', 'docs', 'text-kit', 'writing', 'search', 'memory'].map((s) =>
        label(s).slice(ESC.length, label(s).indexOf('m')),
      ),
    );
    // Not all six on one colour; none yellow (33/93) or red (31/91), which mean warning and error.
    expect(codes.size).toBeGreaterThan(2);
    for (const code of codes) expect(['33', '93', '31', '91']).not.toContain(code);
  });

  it('shows local time for each event of a stream, across seconds, minutes and days, and an odd time as it is', () => {
    // The formatter works out each second once and copies milliseconds: the same text as one
    // Date per event, at every boundary.
    const format = logLineFormatter({ color: false });
    const start = Date.UTC(2025, 11, 31, 23, 59, 58, 990);
    const times = [
      ...range(40).map((i) => new Date(start + i * 47).toISOString()),
      '2025-06-01T12:00:00Z',
      '2025-06-01T12:00:00.5Z',
      'not a time',
      '2025-13-01T12:00:00.100Z',
      '2025-06-01T12:00:00.1x0Z',
    ];
    for (const time of [...times, ...times]) {
      const shown = format(event(0, { time })).split(' | ')[0];
      const d = new Date(time);
      expect(shown, time).toBe(Number.isNaN(d.getTime()) ? time : local(time));
    }
  });

  it('makes event times as toISOString does, the same text for the same millisecond', () => {
    for (const ms of [0, 1, 1, 999, 1000, Date.UTC(2025, 11, 31, 23, 59, 59, 999), 1e12, 1e12]) {
      expect(eventTime(ms)).toBe(new Date(ms).toISOString());
    }
  });
});
