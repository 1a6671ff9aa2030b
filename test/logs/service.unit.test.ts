import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { McpxError } from '../../src/errors.js';
import type { LogEvent } from '../../src/logs/event.js';
import { logsDir } from '../../src/logs/files.js';
import { LogStore } from '../../src/logs/store.js';
import { followLogEvents, readLogEvents } from '../../src/services/logs.js';
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

  it('filters by servers, level, since and grep together', async () => {
    const root = await workspace(events);
    const msgs = async (options: Partial<Parameters<typeof readLogEvents>[0]>) =>
      (await readLogEvents({ dir: root, last: 50, ...options })).events.map((e) => e.msg);
    expect(await msgs({ level: 'warning' })).toEqual(['slow: 812 ms', 'upstream timeout']);
    expect(await msgs({ level: 'error' })).toEqual(['upstream timeout']);
    expect(await msgs({ servers: ['mcpx', 'text-kit'] })).toEqual([
      'starting 2 servers',
      'slow: 812 ms',
    ]);
    expect(await msgs({ grep: /\d+ ms|timeout/ })).toEqual(['slow: 812 ms', 'upstream timeout']);
    const since = new Date(Date.parse(events[2]!.time));
    expect(await msgs({ since })).toEqual(['slow: 812 ms', 'upstream timeout']);
    expect(await msgs({ since, grep: /slow/, servers: ['text-kit'] })).toEqual(['slow: 812 ms']);
  });

  it('still reads logs when the manifest is broken', async () => {
    const root = await workspace(events);
    await writeFile(join(root, 'mcpx.json'), '{"mcpServers": {"x": 1}}');
    const result = await readLogEvents({ dir: root, last: 1 });
    expect(result.names).toEqual(['mcpx']);
    expect(result.events).toEqual(events.slice(3));
  });

  it('explains what is wrong, with a hint, as usage errors (exit 2)', async () => {
    const empty = await workspace(undefined);
    const none = await failure(readLogEvents({ dir: empty, last: 50 }));
    expect(none.message).toBe(`No logs in ${join(empty, '.mcpx', 'logs')} yet.`);
    expect(none.hint).toMatch(/mcpx dev/);
    const outside = await failure(readLogEvents({ dir: await temp.make(), last: 50 }));
    expect(outside.message).toMatch(/No mcpx\.json in/);
  });
});

describe('followLogEvents', () => {
  it('finds the workspace before following, and follows a workspace with no logs yet', async () => {
    const root = await workspace(undefined);
    const stop = new AbortController();
    const outside = await temp.make();
    const error = await failure(followLogEvents({ dir: outside, last: 5, signal: stop.signal }));
    expect(error.message).toMatch(/No mcpx\.json in/);
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
