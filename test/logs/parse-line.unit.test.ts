import { describe, expect, it } from 'vitest';
import { levelFromName, parseStderrLine } from '../../src/logs/parse-line.js';

const level = (line: string): string => parseStderrLine(line).level;

describe('parseStderrLine', () => {
  it('treats plain stderr as info, unchanged', () => {
    expect(parseStderrLine('weather server running on stdio')).toEqual({
      level: 'info',
      msg: 'weather server running on stdio',
    });
    expect(parseStderrLine('    at main (file:///srv/index.js:3:9)').msg).toBe(
      '    at main (file:///srv/index.js:3:9)',
    );
  });

  it('reads pino numeric levels and keeps the record as data', () => {
    const line = '{"level":40,"time":1718000000000,"pid":7,"msg":"slow upstream","ms":812}';
    expect(parseStderrLine(line)).toEqual({
      level: 'warning',
      msg: 'slow upstream',
      data: { level: 40, time: 1718000000000, pid: 7, msg: 'slow upstream', ms: 812 },
    });
    expect([10, 20, 30, 40, 50, 60].map((n) => level(`{"level":${n},"msg":"x"}`))).toEqual([
      'debug',
      'debug',
      'info',
      'warning',
      'error',
      'critical',
    ]);
  });

  it('reads bunyan records (numeric level, msg) and winston records (string level, message)', () => {
    expect(
      parseStderrLine('{"name":"docs","hostname":"h","pid":1,"level":50,"msg":"boom","v":0}'),
    ).toMatchObject({ level: 'error', msg: 'boom' });
    expect(parseStderrLine('{"level":"warn","message":"cache miss"}')).toMatchObject({
      level: 'warning',
      msg: 'cache miss',
    });
    expect(level('{"level":"verbose","message":"x"}')).toBe('debug');
    expect(level('{"level":"http","message":"x"}')).toBe('info');
  });

  it('reads severity, lvl and levelname fields (Cloud Logging, Python json loggers)', () => {
    expect(parseStderrLine('{"severity":"ERROR","message":"db down"}')).toMatchObject({
      level: 'error',
      msg: 'db down',
    });
    expect(level('{"lvl":"crit","msg":"x"}')).toBe('critical');
    expect(
      parseStderrLine('{"asctime":"2025-01-01","levelname":"WARNING","name":"app","message":"hm"}'),
    ).toMatchObject({ level: 'warning', msg: 'hm' });
  });

  it('keeps a JSON record without a level as info, and one without a message as its text', () => {
    expect(parseStderrLine('{"msg":"hello"}')).toMatchObject({ level: 'info', msg: 'hello' });
    expect(parseStderrLine('{"level":"error","code":7}')).toMatchObject({
      level: 'error',
      msg: '{"level":"error","code":7}',
    });
  });

  it('puts a multi-line JSON message on one line, keeping the original in data', () => {
    const parsed = parseStderrLine(
      JSON.stringify({ level: 50, msg: 'Error: x\n    at f (a.js:1)' }),
    );
    expect(parsed.msg).toBe('Error: x at f (a.js:1)');
    expect(parsed.data).toMatchObject({ msg: 'Error: x\n    at f (a.js:1)' });
  });

  it('leaves JSON that is not a log record, and broken JSON, as info text', () => {
    expect(parseStderrLine('{"jsonrpc":"2.0"}')).toEqual({
      level: 'info',
      msg: '{"jsonrpc":"2.0"}',
    });
    expect(parseStderrLine('{"level":"error",')).toEqual({
      level: 'info',
      msg: '{"level":"error",',
    });
    expect(level('[1,2,3]')).toBe('info');
  });

  it('reads a leading level word in any case, with brackets or a colon', () => {
    expect(parseStderrLine('INFO server started')).toEqual({
      level: 'info',
      msg: 'server started',
    });
    expect(parseStderrLine('[warn] disk almost full')).toEqual({
      level: 'warning',
      msg: 'disk almost full',
    });
    expect(parseStderrLine('ERROR: connection refused')).toEqual({
      level: 'error',
      msg: 'connection refused',
    });
    expect(parseStderrLine('Warning: deprecated option')).toEqual({
      level: 'warning',
      msg: 'deprecated option',
    });
    expect(parseStderrLine('debug - cache warm')).toEqual({ level: 'debug', msg: 'cache warm' });
    const words: [string, string][] = [
      ['trace', 'debug'],
      ['notice', 'notice'],
      ['warning', 'warning'],
      ['err', 'error'],
      ['fatal', 'critical'],
      ['critical', 'critical'],
      ['crit', 'critical'],
      ['alert', 'alert'],
      ['emerg', 'emergency'],
      ['emergency', 'emergency'],
    ];
    for (const [word, expected] of words) expect(level(`${word.toUpperCase()} x`)).toBe(expected);
  });

  it('keeps Node\'s "Error:" of an uncaught exception in the message, at level error', () => {
    expect(parseStderrLine('Error: connect ECONNREFUSED 127.0.0.1:5432')).toEqual({
      level: 'error',
      msg: 'Error: connect ECONNREFUSED 127.0.0.1:5432',
    });
    // A logger's level word still goes.
    expect(parseStderrLine('ERROR: connect refused')).toEqual({
      level: 'error',
      msg: 'connect refused',
    });
  });

  it("reads Python logging's default format and keeps the logger name", () => {
    expect(parseStderrLine('WARNING:root:low memory')).toEqual({
      level: 'warning',
      msg: 'root:low memory',
    });
    expect(level('CRITICAL:uvicorn.error:gone')).toBe('critical');
  });

  it('drops a timestamp before the level word', () => {
    expect(parseStderrLine('2025-06-01T12:00:00.123Z ERROR boom')).toEqual({
      level: 'error',
      msg: 'boom',
    });
    expect(parseStderrLine('[2025-06-01 12:00:00,456] [warning] hot')).toEqual({
      level: 'warning',
      msg: 'hot',
    });
    expect(parseStderrLine('12:00:01 INFO up')).toEqual({ level: 'info', msg: 'up' });
  });

  it('matches whole words only', () => {
    expect(level('Information follows')).toBe('info');
    expect(parseStderrLine('errors: 0')).toEqual({ level: 'info', msg: 'errors: 0' });
    expect(level('Warnings are off')).toBe('info');
    expect(level('W something')).toBe('info');
    expect(level('debugger attached')).toBe('info');
  });

  it('keeps a bare level word as the message', () => {
    expect(parseStderrLine('ERROR')).toEqual({ level: 'error', msg: 'ERROR' });
  });

  it('reads logfmt, with quoted values, and keeps the fields as data', () => {
    expect(
      parseStderrLine('time=2025-06-01T12:00:00Z level=warn msg="slow \\"query\\"" ms=812'),
    ).toEqual({
      level: 'warning',
      msg: 'slow "query"',
      data: { time: '2025-06-01T12:00:00Z', level: 'warn', msg: 'slow "query"', ms: '812' },
    });
    expect(parseStderrLine('lvl=error message=oops')).toMatchObject({
      level: 'error',
      msg: 'oops',
    });
    expect(level('level=info msg=up')).toBe('info');
  });

  it('does not take prose with level= for logfmt', () => {
    expect(parseStderrLine('reached level=3 of 5')).toEqual({
      level: 'info',
      msg: 'reached level=3 of 5',
    });
  });

  it('strips ANSI escape codes before reading the level', () => {
    expect(parseStderrLine('\u001b[33mWARN\u001b[39m \u001b[1mcareful\u001b[22m')).toEqual({
      level: 'warning',
      msg: 'careful',
    });
    expect(parseStderrLine('\u001b[31mred text\u001b[0m\r')).toEqual({
      level: 'info',
      msg: 'red text',
    });
  });
});

describe('levelFromName', () => {
  it('maps aliases to RFC 5424 names and rejects others', () => {
    expect(levelFromName('warn')).toBe('warning');
    expect(levelFromName('WARNING')).toBe('warning');
    expect(levelFromName('Fatal')).toBe('critical');
    expect(levelFromName('trace')).toBe('debug');
    expect(levelFromName('loud')).toBeUndefined();
    expect(levelFromName('constructor')).toBeUndefined();
  });
});
