import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { McpxError } from '../../src/errors.js';
import type { LogEvent } from '../../src/logs/event.js';
import { logsDir } from '../../src/logs/files.js';
import { LogStore } from '../../src/logs/store.js';
import { followLogEvents, parseSince, readLogEvents } from '../../src/services/logs.js';
import { event, tempDirs } from './helpers.js';

const temp = tempDirs();
afterEach(temp.cleanup);

const MANIFEST = {
  mcpServers: {
    weather: { command: 'node', args: ['src/stdio.ts'] },
    'text-kit': { command: 'node', args: ['src/stdio.ts'] },
  },
};

async function workspace(events: readonly LogEvent[] | undefined): Promise<string> {
  const root = await temp.make();
  await writeFile(join(root, 'mcpx.json'), JSON.stringify(MANIFEST));
  if (events !== undefined) {
    const store = await LogStore.open({ dir: logsDir(root) });
    for (const e of events) await store.write(e);
    await store.close();
  }
  return root;
}

/** The McpxError `promise` rejects with. */
async function failure(promise: Promise<unknown>): Promise<McpxError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(McpxError);
  return error as McpxError;
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

describe('readLogEvents', () => {
  const events = [
    event(0, { server: 'mcpx', stream: 'mcpx', msg: 'starting 2 servers' }),
    event(1, { msg: 'listening on stdio' }),
    event(2, { server: 'text-kit', level: 'warning', msg: 'slow: 812 ms' }),
    event(3, { level: 'error', msg: 'upstream timeout' }),
  ];

  it('returns the last events with the names to align them by', async () => {
    const root = await workspace(events);
    const result = await readLogEvents({ dir: join(root), last: 3 });
    expect(result.events).toEqual(events.slice(1));
    expect(result.names).toEqual(['mcpx', 'weather', 'text-kit']);
    expect(result.logDir).toBe(join(root, '.mcpx', 'logs'));
  });

  it('finds the workspace from a folder inside it', async () => {
    const root = await workspace(events);
    await mkdir(join(root, 'servers', 'weather'), { recursive: true });
    const result = await readLogEvents({ dir: join(root, 'servers', 'weather'), last: 50 });
    expect(result.root).toBe(root);
    expect(result.events).toHaveLength(4);
  });

  it('turns option text into filters: servers, level (warn too), since, grep', async () => {
    const root = await workspace(events);
    const msgs = async (options: Partial<Parameters<typeof readLogEvents>[0]>) =>
      (await readLogEvents({ dir: root, last: 50, ...options })).events.map((e) => e.msg);
    expect(await msgs({ level: 'warn' })).toEqual(['slow: 812 ms', 'upstream timeout']);
    expect(await msgs({ level: 'ERROR' })).toEqual(['upstream timeout']);
    expect(await msgs({ servers: ['mcpx', 'text-kit'] })).toEqual([
      'starting 2 servers',
      'slow: 812 ms',
    ]);
    expect(await msgs({ grep: '\\d+ ms|timeout' })).toEqual(['slow: 812 ms', 'upstream timeout']);
    const now = (): Date => new Date(Date.parse(events[2]!.time) + 10_000);
    expect(await msgs({ since: '10s', now })).toEqual(['slow: 812 ms', 'upstream timeout']);
    expect(await msgs({ since: '10s', now, grep: 'slow', servers: ['text-kit'] })).toEqual([
      'slow: 812 ms',
    ]);
  });

  it('still reads logs when the manifest is broken', async () => {
    const root = await workspace(events);
    await writeFile(join(root, 'mcpx.json'), '{"mcpServers": {"x": 1}}');
    const result = await readLogEvents({ dir: root, last: 1 });
    expect(result.names).toEqual(['mcpx']);
    expect(result.events).toEqual(events.slice(3));
  });

  it('explains what is wrong, with a hint, as usage errors (exit 2)', async () => {
    const root = await workspace(events);
    const cases: [Partial<Parameters<typeof readLogEvents>[0]>, RegExp][] = [
      [{ since: 'yesterday' }, /--since "yesterday"/],
      [{ grep: '(unclosed' }, /--grep "\(unclosed" is not a valid regular expression/],
      [{ level: 'loud' }, /"loud" is not a log level/],
    ];
    for (const [options, message] of cases) {
      const error = await failure(readLogEvents({ dir: root, last: 50, ...options }));
      expect(error.message).toMatch(message);
      expect(error.hint).toBeTruthy();
      expect(error.exitCode).toBe(2);
    }
    const empty = await workspace(undefined);
    const none = await failure(readLogEvents({ dir: empty, last: 50 }));
    expect(none.message).toBe(`No logs in ${join(empty, '.mcpx', 'logs')} yet.`);
    expect(none.hint).toMatch(/mcpx dev/);
    const outside = await failure(readLogEvents({ dir: await temp.make(), last: 50 }));
    expect(outside.message).toMatch(/No mcpx\.json in/);
  });
});

describe('followLogEvents', () => {
  it('checks options before following, and follows a workspace with no logs yet', async () => {
    const root = await workspace(undefined);
    const stop = new AbortController();
    await failure(followLogEvents({ dir: root, last: 5, grep: '[', signal: stop.signal }));
    const result = await followLogEvents({ dir: root, last: 5, signal: stop.signal, pollMs: 10 });
    const got: LogEvent[] = [];
    const done = (async () => {
      for await (const e of result.events) {
        got.push(e);
        stop.abort();
      }
    })();
    const store = await LogStore.open({ dir: result.logDir });
    await store.write(event(7));
    await store.close();
    await done;
    expect(got).toEqual([event(7)]);
  });
});
