/**
 * `mcpx logs` end to end: the built CLI as a child process over a workspace whose `.mcpx/logs` the
 * test fills with the real store, including `--follow` while the test writes and rotates, stopped
 * by SIGTERM and SIGINT, and a reader that goes away.
 */
import { type ResultPromise, execa } from 'execa';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/logs/event.js';
import { logsDir } from '../../src/logs/files.js';
import { LogStore } from '../../src/logs/store.js';
import { BIN, mcpx } from '../helpers/cli.js';
import { openFiles } from '../helpers/processes.js';
import { until } from '../helpers/until.js';

// UTC, so the times printed are the times written.
const ENV = { FORCE_COLOR: '0', NO_COLOR: '1', CI: 'true', TZ: 'UTC' };
const MANIFEST = { mcpServers: { weather: { command: 'node', args: ['src/stdio.ts'] } } };

let base: string;
const running: ResultPromise[] = [];

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'mcpx-e2e-logs-'));
});

afterAll(async () => {
  for (const child of running) {
    if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  }
  await Promise.allSettled(running);
  await rm(base, { recursive: true, force: true });
});

async function workspace(events: readonly LogEvent[] | undefined): Promise<string> {
  const dir = await mkdtemp(join(base, 'ws-'));
  await writeFile(join(dir, 'mcpx.json'), JSON.stringify(MANIFEST));
  if (events !== undefined) await append(dir, events);
  return dir;
}

async function append(
  dir: string,
  events: readonly LogEvent[],
  options: { maxFileBytes?: number; maxFiles?: number } = {},
): Promise<void> {
  const store = await LogStore.open({ dir: logsDir(dir), ...options });
  for (const e of events) await store.write(e);
  await store.close();
}

const at = (iso: string, fields: Partial<LogEvent>): LogEvent => ({
  time: iso,
  server: 'weather',
  replica: 0,
  stream: 'stderr',
  level: 'info',
  msg: '',
  ...fields,
});

const SAMPLE: LogEvent[] = [
  at('2025-06-01T12:00:00.000Z', { server: 'mcpx', stream: 'mcpx', msg: 'starting 2 servers' }),
  at('2025-06-01T12:00:00.120Z', { msg: 'listening on stdio' }),
  at('2025-06-01T12:00:01.005Z', { server: 'search-index', level: 'debug', msg: 'GET /mcp 200' }),
  at('2025-06-01T12:00:02.250Z', {
    server: 'search-index',
    replica: 1,
    level: 'warning',
    msg: 'slow upstream: 812 ms',
    data: { level: 40, ms: 812 },
  }),
  at('2025-06-01T12:00:03.999Z', { level: 'error', msg: 'upstream timeout' }),
];

/** A `mcpx logs --follow ...` child process and its stdout, line by line. */
function follow(dir: string, args: readonly string[]) {
  const child = execa(process.execPath, [BIN, 'logs', '--follow', ...args], {
    cwd: dir,
    env: ENV,
    reject: false,
    stdin: 'ignore',
  });
  running.push(child);
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  /** The next `n` lines of stdout. */
  const next = async (n: number): Promise<string[]> => {
    const got: string[] = [];
    while (got.length < n) {
      const line = await lines.next();
      if (line.done === true) {
        const { exitCode, stderr } = await child;
        throw new Error(
          `stdout ended after ${got.length} of ${n} lines (exit ${exitCode}) ${stderr}`,
        );
      }
      got.push(line.value);
    }
    return got;
  };
  return { child, next };
}

describe('mcpx logs', () => {
  it('prints the last events as time | server | message, aligned to the known names', async () => {
    const dir = await workspace(SAMPLE);
    const result = await mcpx(['logs'], { cwd: dir, env: ENV });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe(
      [
        '12:00:00.000 | mcpx           | starting 2 servers',
        '12:00:00.120 | weather        | listening on stdio',
        '12:00:01.005 | search-index   | GET /mcp 200',
        '12:00:02.250 | search-index#1 | slow upstream: 812 ms',
        '12:00:03.999 | weather        | upstream timeout',
      ].join('\n'),
    );
  });

  it('filters by count, server, level, time and message', async () => {
    const dir = await workspace(SAMPLE);
    const msgs = async (args: string[]): Promise<string[]> => {
      const result = await mcpx(['logs', ...args], { cwd: dir, env: ENV });
      expect(result.exitCode, result.stderr).toBe(0);
      return result.stdout
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => l.split(' | ')[2]!);
    };
    expect(await msgs(['-n', '2'])).toEqual(['slow upstream: 812 ms', 'upstream timeout']);
    expect(await msgs(['--server', 'mcpx,search-index', '--level', 'info'])).toEqual([
      'starting 2 servers',
      'slow upstream: 812 ms',
    ]);
    expect(await msgs(['--level', 'warn'])).toEqual(['slow upstream: 812 ms', 'upstream timeout']);
    expect(await msgs(['--since', '2025-06-01T12:00:02Z'])).toEqual([
      'slow upstream: 812 ms',
      'upstream timeout',
    ]);
    expect(await msgs(['--grep', '^(GET|upstream) '])).toEqual([
      'GET /mcp 200',
      'upstream timeout',
    ]);
    expect(await msgs(['--since', '10m'])).toEqual([]);
  });

  it('prints --json as one event per line (JSONL), not one document', async () => {
    const dir = await workspace(SAMPLE);
    const result = await mcpx(['logs', '--json', '-n', '3'], { cwd: dir, env: ENV });
    expect(result.exitCode, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l) as LogEvent)).toEqual(SAMPLE.slice(2));
  });

  it('fails with a hint and exit code 2 on bad input, outside a workspace and without logs', async () => {
    const dir = await workspace(SAMPLE);
    const cases: [string[], string, RegExp][] = [
      [['--since', 'yesterday'], dir, /^Error: --since "yesterday" is neither/],
      [['--grep', '(oops'], dir, /^Error: --grep "\(oops" is not a valid regular expression/],
      [[], base, /^Error: No mcpx\.json in /],
      [[], await workspace(undefined), /^Error: No logs in .*\.mcpx\/logs yet\./],
    ];
    for (const [args, cwd, message] of cases) {
      const result = await mcpx(['logs', ...args], { cwd, env: ENV });
      expect(result.exitCode, result.stderr).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(message);
      expect(result.stderr).toMatch(/\nTry: /);
    }
    const level = await mcpx(['logs', '--level', 'loud'], { cwd: dir, env: ENV });
    expect(level.exitCode).toBe(2);
    expect(level.stderr).toMatch(/^Error: --level does not take "loud": it is one of debug, /);
  });
});

describe('mcpx logs --follow', () => {
  it('prints the tail, then events as they are written, across rotations; exits 0 on SIGTERM', async () => {
    const dir = await workspace(SAMPLE);
    const { child, next } = follow(dir, ['--json', '-n', '2']);
    expect((await next(2)).map((l) => JSON.parse(l) as LogEvent)).toEqual(SAMPLE.slice(3));
    const later = Array.from({ length: 200 }, (_, i) =>
      at(new Date(Date.UTC(2025, 5, 1, 12, 1) + i).toISOString(), { msg: `later ${i}` }),
    );
    // Files of about ten events: the follower goes through many rotations. All are kept: a writer
    // this fast would otherwise prune files before the follower got to them.
    const tiny = { maxFileBytes: 1200, maxFiles: 1000 };
    await append(dir, later.slice(0, 100), tiny);
    await append(dir, later.slice(100), tiny);
    expect((await next(200)).map((l) => JSON.parse(l) as LogEvent)).toEqual(later);
    process.kill(child.pid!, 'SIGTERM');
    const result = await child;
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(result.signal).toBeUndefined();
    expect(result.stderr).toBe('');
  });

  it('waits for logs that do not exist yet, applies filters, and exits 0 on SIGINT', async () => {
    const dir = await workspace(undefined);
    // The folder, empty: once the follower watches it (an inotify handle among its open files),
    // it has looked and found no logs. Then the cluster starts writing.
    await mkdir(logsDir(dir), { recursive: true });
    const { child, next } = follow(dir, ['--level', 'warning']);
    await until(
      'the follower to watch the logs folder',
      () => openFiles(child.pid ?? -1).includes('anon_inode:inotify'),
      { timeoutMs: 30_000 },
    );
    await append(dir, SAMPLE);
    expect(await next(2)).toEqual([
      '12:00:02.250 | search-index#1 | slow upstream: 812 ms',
      '12:00:03.999 | weather        | upstream timeout',
    ]);
    process.kill(child.pid!, 'SIGINT');
    const result = await child;
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(result.stderr).toBe('');
  });

  it('stops, exit 0, when the reader of its output goes away (as in `| head -1`)', async () => {
    const dir = await workspace(SAMPLE);
    const { child, next } = follow(dir, ['-n', '1']);
    expect(await next(1)).toEqual(['12:00:03.999 | weather | upstream timeout']);
    child.stdout.destroy();
    // The next line it writes finds the pipe closed.
    await append(dir, SAMPLE);
    const result = await child;
    expect(result.exitCode, String(result.stderr)).toBe(0);
  });
});
