/**
 * Many servers at once, with real processes: every one becomes ready while no more than the start
 * limit start at a time (MCPX_START_CONCURRENCY), as the store's events show in the order mcpx
 * wrote them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/logs/event.js';
import { logsDir } from '../../src/logs/files.js';
import { readLogs } from '../../src/logs/read.js';
import { type DevProcess, startDevProcess, stopDevGroup } from '../helpers/dev-process.js';
import { fixture, fixtureWorkspace, removeWorkspaces } from '../helpers/workspace.js';

const COUNT = 12;
const LIMIT = 2;
/** defaultStartLimit's holdMs: a start slower than this has given its slot up. */
const HOLD_MS = 5000;

const devs: DevProcess[] = [];
afterEach(async () => {
  for (const dev of devs.splice(0)) await stopDevGroup(dev);
  await removeWorkspaces();
});

/**
 * The most starts in flight at once, by the store's order of "starting" and "ready"/"failed"
 * events. A start that took longer than HOLD_MS is left out (it gave its slot up), and the slot
 * of a ready start passes on a few microtasks before its "ready" event is written, so one more
 * than the limit can show.
 */
function mostAtOnce(events: readonly LogEvent[]): number {
  const started = new Map<string, number>();
  const slow = new Set<string>();
  for (const e of events) {
    if (e.stream !== 'mcpx') continue;
    if (e.msg.startsWith('starting ')) started.set(e.server, Date.parse(e.time));
    else if (/^(ready in|failed to start)/.test(e.msg)) {
      const from = started.get(e.server);
      if (from !== undefined && Date.parse(e.time) - from >= HOLD_MS) slow.add(e.server);
    }
  }
  let now = 0;
  let most = 0;
  for (const e of events) {
    if (e.stream !== 'mcpx' || slow.has(e.server)) continue;
    if (e.msg.startsWith('starting ')) most = Math.max(most, ++now);
    else if (/^(ready in|failed to start)/.test(e.msg)) now--;
  }
  return most;
}

describe('many servers', () => {
  it(`starts ${COUNT} servers ${LIMIT} at a time, and every one becomes ready`, async () => {
    const servers = Object.fromEntries(
      Array.from({ length: COUNT }, (_, i) => [
        `s${i + 1}`,
        { command: 'node', args: [fixture('good-stdio')] },
      ]),
    );
    const dir = await fixtureWorkspace(servers);
    const dev = startDevProcess(dir, ['--no-watch', '--no-gateway'], {
      detached: true,
      env: { MCPX_START_CONCURRENCY: String(LIMIT) },
    });
    devs.push(dev);
    await dev.waitFor(new RegExp(`${COUNT} of ${COUNT} servers ready in`), 180_000);
    const events = await readLogs({ dir: logsDir(dir) });
    const starts = events.filter((e) => e.stream === 'mcpx' && e.msg.startsWith('starting '));
    expect(new Set(starts.map((e) => e.server)).size).toBe(COUNT);
    const most = mostAtOnce(events);
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(LIMIT + 1);
  });
});
