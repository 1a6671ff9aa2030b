/**
 * Load balancing through the gateway with real processes: `mcpx dev` runs 3 replicas of the lb
 * fixture, an SDK client calls them through /mcp, and each answer names the pid that served it.
 * Spread (least outstanding, ties at random), a replica made slow by its flag file, and a replica
 * killed under load: only its calls in flight fail, and fast, the idempotent ones are retried on
 * another replica, and no call hangs. Once with stdio replicas, once with Streamable HTTP ones (a
 * killed HTTP replica breaks a response stream, not a pipe).
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Cluster,
  type GatewaySession,
  type Outcome,
  call,
  connectGateway,
  pool,
  startCluster,
  stopClusters,
  tally,
  text,
} from '../helpers/lb-cluster.js';
import { isAlive } from '../helpers/processes.js';
import { until } from '../helpers/until.js';
import { readySnapshot } from '../helpers/workspace.js';

/** The pid a successful call reports, or undefined for a failed one. */
function servedBy(outcome: Outcome): number | undefined {
  return outcome.kind === 'result' && outcome.result.isError !== true
    ? Number(text(outcome.result))
    : undefined;
}

/** What went wrong with a failed call, for the assertion messages. */
function describeFailure(outcome: Outcome): string {
  if (outcome.kind === 'hung') return 'hung';
  if (outcome.kind === 'error') return `error: ${outcome.message}`;
  return `isError: ${text(outcome.result)}`;
}

afterAll(stopClusters);

describe.each(['stdio', 'http'] as const)('load balancing over replicas: 3 (%s)', (transport) => {
  let cluster: Cluster;
  let session: GatewaySession;

  beforeAll(async () => {
    cluster = await startCluster(
      {
        lb: {
          replicas: 3,
          http: transport === 'http',
          // Relative to the replica's folder, servers/lb: the workspace's run/ folder.
          env: {
            SLOW_FLAG_FILE: '../../run/slow-{pid}',
            SLOW_EXTRA_MS: '500',
            JOURNAL_FILE: '../../run/journal.log',
          },
        },
      },
      ['--no-watch'],
    );
    session = await connectGateway(cluster);
  });

  afterAll(async () => {
    await session?.close();
    await cluster?.stop();
  });

  /** The pids of the 3 lb replicas, once all are ready. */
  async function readyPids(): Promise<number[]> {
    const snapshot = await readySnapshot(cluster.dir, 3, () => cluster.dev.lines.join('\n'));
    return snapshot.replicas.map((r) => r.pid ?? -1);
  }

  it('spreads 300 calls of pid over the 3 replicas, each between 20% and 47%', async () => {
    const pids = await readyPids();
    // One at a time: every call finds all three idle, so the spread is the balancer's random tie
    // break (about 100 each, 60 is 5 standard deviations off). With calls overlapping, a replica
    // the busy machine schedules late keeps its call longer and least outstanding rightly gives it
    // fewer: 56 of 300 at 6 at a time, and 32 of 300 at 3 at a time on a CI run beside another.
    const outcomes = await pool(300, 1, () => call(session.client, 'lb__pid'));
    expect(outcomes.filter((o) => servedBy(o) === undefined).map(describeFailure)).toEqual([]);
    const counts = tally(outcomes.map((o) => servedBy(o)));
    console.log(`spread of 300 calls: ${JSON.stringify([...counts])}`);
    expect([...counts.keys()].sort()).toEqual([...pids].sort());
    for (const [pid, count] of counts) {
      expect(count, `calls served by pid ${pid}`).toBeGreaterThanOrEqual(60);
      expect(count, `calls served by pid ${pid}`).toBeLessThanOrEqual(141);
    }
  }, 120_000);

  it('gives a replica made slow a smaller share than each of the others', async () => {
    const [slow, ...others] = await readyPids();
    const flag = join(cluster.run, `slow-${slow}`);
    await writeFile(flag, '');
    try {
      const outcomes = await pool(150, 6, () => call(session.client, 'lb__work', { ms: 20 }));
      expect(outcomes.filter((o) => servedBy(o) === undefined).map(describeFailure)).toEqual([]);
      const counts = tally(outcomes.map((o) => servedBy(o)));
      console.log(`150 calls with pid ${slow} slow: ${JSON.stringify([...counts])}`);
      for (const other of others) {
        expect(counts.get(slow) ?? 0, `slow ${slow} against ${other}`).toBeLessThan(
          counts.get(other) ?? 0,
        );
      }
    } finally {
      await rm(flag, { force: true });
    }
  }, 120_000);

  it('killing a replica under load fails only its calls in flight, fast, retries the idempotent ones, and no call hangs', async () => {
    const pids = await readyPids();
    const victim = pids[0] ?? -1;
    const journalFile = join(cluster.run, 'journal.log');
    const journal = async (): Promise<{ pid: number; event: string; id: string }[]> => {
      const lines = (await readFile(journalFile, 'utf8').catch(() => '')).split('\n');
      return lines
        .filter((line) => line !== '')
        .map((line) => {
          const [pid, event, id] = line.split(' ');
          return { pid: Number(pid), event: event ?? '', id: id ?? '' };
        });
    };
    /** Ids of the calls `pid` has started and not ended. */
    const inFlightOn = async (pid: number): Promise<Set<string>> => {
      const entries = (await journal()).filter((e) => e.pid === pid);
      const ended = new Set(entries.filter((e) => e.event === 'end').map((e) => e.id));
      return new Set(
        entries.filter((e) => e.event === 'start' && !ended.has(e.id)).map((e) => e.id),
      );
    };

    // 4 clients call work (idempotentHint), 4 call nonidem (no hints), until the kill is well past.
    const outcomes = new Map<string, Outcome>();
    let killed = false;
    let abandoned = false;
    let startedAfterKill = 0;
    let sequence = 0;
    const loop = async (tool: 'work' | 'nonidem'): Promise<void> => {
      while (!abandoned && (!killed || startedAfterKill < 40)) {
        const id = `${tool === 'work' ? 'w' : 'n'}${sequence++}`;
        if (killed) startedAfterKill++;
        outcomes.set(id, await call(session.client, `lb__${tool}`, { ms: 200, id }));
      }
    };
    const load = Promise.all([
      ...Array.from({ length: 4 }, () => loop('work')),
      ...Array.from({ length: 4 }, () => loop('nonidem')),
    ]);

    // Kill when the victim has both kinds of call in flight.
    let atKill = new Set<string>();
    try {
      await until(
        `a work and a nonidem call in flight on pid ${victim}`,
        () =>
          [...atKill].some((id) => id.startsWith('w')) &&
          [...atKill].some((id) => id.startsWith('n')),
        { timeoutMs: 30_000 },
        async () => {
          atKill = await inFlightOn(victim);
        },
      );
    } catch (error) {
      abandoned = true;
      await load;
      throw error;
    }
    process.kill(victim, 'SIGKILL');
    const killAt = performance.now();
    killed = true;
    atKill = await inFlightOn(victim);
    await load;
    expect(atKill.size, 'calls in flight on the killed replica').toBeGreaterThan(0);
    expect(isAlive(victim)).toBe(false);

    const entries = await journal();
    const ranElsewhere = new Set(entries.filter((e) => e.pid !== victim).map((e) => e.id));
    const hung = [...outcomes].filter(([, o]) => o.kind === 'hung').map(([id]) => id);
    expect(hung, 'calls that never settled').toEqual([]);

    // Every work call succeeds; those in flight on the victim were answered by another replica.
    const workFailures = [...outcomes]
      .filter(([id, o]) => id.startsWith('w') && servedBy(o) === undefined)
      .map(([id, o]) => `${id}: ${describeFailure(o)}`);
    expect(workFailures).toEqual([]);
    for (const id of [...atKill].filter((id) => id.startsWith('w'))) {
      const pid = servedBy(outcomes.get(id) ?? { kind: 'hung' });
      expect(
        pids.filter((p) => p !== victim),
        `${id} retried on another ready replica`,
      ).toContain(pid);
    }

    // nonidem calls in flight on the victim fail, and only they (or ones sent to it as it died):
    // no failed call ran anywhere else; each failed within seconds of the kill, with an error
    // that is not a timeout.
    const failed = [...outcomes].filter(([, o]) => servedBy(o) === undefined);
    console.log(
      `killed pid ${victim} with ${[...atKill].join(', ')} in flight; failed: ${failed
        .map(([id, o]) => `${id} (${describeFailure(o)})`)
        .join('; ')}`,
    );
    for (const id of [...atKill].filter((id) => id.startsWith('n'))) {
      expect(servedBy(outcomes.get(id) ?? { kind: 'hung' }), `${id} was not retried`).toBe(
        undefined,
      );
    }
    // Once one call has come back lost, the gateway knows: no call sent after that goes there.
    const firstLoss = Math.min(...failed.map(([, o]) => (o.kind === 'hung' ? Infinity : o.at)));
    for (const [id, outcome] of failed) {
      expect(ranElsewhere.has(id), `${id} failed, but it ran on another replica`).toBe(false);
      if (outcome.kind === 'hung') continue;
      expect(outcome.start, `${id} was sent after a loss was reported`).toBeLessThan(firstLoss);
      expect(outcome.at - killAt, `${id} failed long after the kill`).toBeLessThan(5000);
      expect(describeFailure(outcome)).not.toMatch(/timed? ?out/i);
    }
  }, 180_000);
});
