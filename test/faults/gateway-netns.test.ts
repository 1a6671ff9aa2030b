/**
 * `mcpx gateway` over two hosts, for real: network namespaces made by the test stand for three
 * machines. The gateway runs in one ("gw"), a replica of the lb fixture (a real Streamable HTTP MCP
 * server, HOST=0.0.0.0, ALLOWED_HOSTS=lb-svc) in each of two others ("h1", "h2"), linked to the
 * gateway by veth pairs; the test itself reaches the gateway over a third pair, with its token, as
 * a client on another machine would. The gateway finds the replicas by DNS ("discovery": "dns": the
 * name lb-svc resolves to both hosts through the gateway namespace's /etc/hosts, which
 * `ip netns exec` mounts from /etc/netns/<ns>/hosts), and reaches each with the Host header lb-svc.
 *
 * Then: calls spread over both hosts; h1's link is cut (`ip link set down` inside h1): every call
 * still ends within a bound (none hangs), and from the health threshold on all of them go to h2;
 * the link comes back: calls spread over both hosts again.
 *
 * Needs root and iproute2 (CI runs as root, and .ci/run installs iproute2); skipped otherwise.
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type GatewaySession,
  type Outcome,
  call,
  connectGateway,
  pool,
  tally,
  text,
} from '../helpers/lb-cluster.js';
import {
  type RemoteGatewayProcess,
  getJson,
  startLbServer,
  startRemoteGateway,
  stopLbServers,
} from '../helpers/remote-gateway.js';
import { skipWithout } from '../helpers/system-tool.js';
import { until } from '../helpers/until.js';

const isRoot = process.getuid?.() === 0;
// In CI (root, and .ci/run installs iproute2) it must run: a missing piece fails it there.
const needsRoot = process.env.CI !== 'true' && !isRoot;
if (needsRoot)
  console.warn(
    'gateway-netns.test.ts skipped: needs root to create network namespaces (CI runs as root)',
  );
const skipReason: string | undefined = needsRoot
  ? 'not root'
  : skipWithout('ip', 'iproute2')
    ? 'no ip'
    : undefined;

/** Health of the replicas: a cut host is down after FAILURES pings of at most TIMEOUT ms, INTERVAL apart. */
const HEALTH = { interval: 500, timeout: 1000, failures: 2 };
/** What the threshold is on an idle machine, and the slack a loaded 2-core CI machine needs. */
const THRESHOLD_MS = HEALTH.interval * HEALTH.failures + HEALTH.timeout;
const SLACK_MS = 8000;
/** No call may take longer than this: a hang detector, far above any answer. */
const CALL_BOUND_MS = 20_000;
const PORT = 8080;
const SERVICE = 'lb-svc';

// Names of this run: namespaces and interfaces (at most 15 characters), and a /16 of 10/8.
const tag = `${process.pid % 100_000}`;
const ns = { gw: `mcpx${tag}gw`, h1: `mcpx${tag}h1`, h2: `mcpx${tag}h2` };
const net = `10.${200 + (process.pid % 50)}`;
const addr = {
  test: `${net}.0.1`,
  gw: `${net}.0.2`,
  h1: `${net}.1.2`,
  h2: `${net}.2.2`,
};

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

let gateway: RemoteGatewayProcess | undefined;
let session: GatewaySession | undefined;
let dir = '';

/** Three namespaces linked as a star around gw, and a link from this namespace to gw. */
async function makeNetwork(): Promise<void> {
  for (const name of Object.values(ns)) {
    ip('netns', 'add', name);
    ip('-n', name, 'link', 'set', 'lo', 'up');
  }
  ip('link', 'add', `mx${tag}t`, 'type', 'veth', 'peer', 'name', 'vt', 'netns', ns.gw);
  ip('addr', 'add', `${addr.test}/24`, 'dev', `mx${tag}t`);
  ip('link', 'set', `mx${tag}t`, 'up');
  ip('-n', ns.gw, 'addr', 'add', `${addr.gw}/24`, 'dev', 'vt');
  ip('-n', ns.gw, 'link', 'set', 'vt', 'up');
  for (const [host, n] of [
    ['h1', 1],
    ['h2', 2],
  ] as const) {
    ip(
      '-n',
      ns.gw,
      'link',
      'add',
      `v${host}`,
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      ns[host],
    );
    ip('-n', ns.gw, 'addr', 'add', `${net}.${n}.1/24`, 'dev', `v${host}`);
    ip('-n', ns.gw, 'link', 'set', `v${host}`, 'up');
    ip('-n', ns[host], 'addr', 'add', `${addr[host]}/24`, 'dev', 'eth0');
    ip('-n', ns[host], 'link', 'set', 'eth0', 'up');
  }
  // The headless Service: one name, one address per host.
  await mkdir(`/etc/netns/${ns.gw}`, { recursive: true });
  await writeFile(
    `/etc/netns/${ns.gw}/hosts`,
    `127.0.0.1 localhost\n${addr.h1} ${SERVICE}\n${addr.h2} ${SERVICE}\n`,
  );
}

async function removeNetwork(): Promise<void> {
  for (const name of Object.values(ns)) {
    try {
      ip('netns', 'del', name);
    } catch {
      // Not made (a failure half way through setting up), or gone already.
    }
  }
  // Its peer went with the gw namespace, which takes this end with it; in case it did not:
  try {
    ip('link', 'del', `mx${tag}t`);
  } catch {
    // Gone, as expected.
  }
  await rm(`/etc/netns/${ns.gw}`, { recursive: true, force: true });
}

/** The lb fixture on 0.0.0.0:8080 in `host`'s namespace, resolved once it listens. */
const startServer = (host: 'h1' | 'h2'): Promise<ChildProcess> =>
  startLbServer({ LB_HOST: '0.0.0.0', PORT: String(PORT), ALLOWED_HOSTS: SERVICE }, [
    'ip',
    'netns',
    'exec',
    ns[host],
  ]);

beforeAll(async () => {
  if (skipReason !== undefined) return;
  await removeNetwork();
  await makeNetwork();
  dir = await mkdtemp(join(tmpdir(), 'mcpx-netns-'));
}, 60_000);

afterAll(async () => {
  await session?.close().catch(() => undefined);
  await gateway?.stop();
  await stopLbServers();
  if (skipReason === undefined) await removeNetwork();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
}, 60_000);

/** Which host answered each call (the fixture's result is its pid). */
function hostsOf(outcomes: Outcome[], pids: Record<string, number>): string[] {
  return outcomes.map((o) => {
    if (o.kind === 'hung') return 'hung';
    if (o.kind === 'error') return `error: ${o.message}`;
    if (o.result.isError === true) return `tool error: ${text(o.result)}`;
    const pid = Number(text(o.result));
    return Object.entries(pids).find(([, p]) => p === pid)?.[0] ?? `pid ${pid}`;
  });
}

describe.skipIf(skipReason !== undefined)(
  'mcpx gateway over two hosts (network namespaces)',
  () => {
    it('spreads calls over both hosts, moves them all to one when the other is cut off within the health threshold, none hanging, and spreads again when it is back', async () => {
      const h1 = await startServer('h1');
      const h2 = await startServer('h2');
      const pids = { h1: h1.pid ?? -1, h2: h2.pid ?? -1 };
      const token = randomBytes(32).toString('base64url');
      const members = join(dir, 'members.json');
      await writeFile(
        members,
        JSON.stringify({
          servers: {
            lb: {
              url: `http://${SERVICE}:${PORT}/mcp`,
              discovery: 'dns',
              health: HEALTH,
              startTimeout: 3000,
            },
          },
        }),
      );
      gateway = startRemoteGateway(
        ['--members', members, '--host', '0.0.0.0', '--port', String(PORT)],
        { prefix: ['ip', 'netns', 'exec', ns.gw], env: { MCPX_GATEWAY_TOKEN: token } },
      );
      const base = `http://${addr.gw}:${PORT}`;
      const explained = (error: unknown): never => {
        throw new Error(`${String(error)}; gateway output:\n${gateway?.tail() ?? ''}`);
      };
      const readiness = async (): Promise<{ ready: number; states: string[] } | undefined> => {
        const answer = await getJson(`${base}/readyz`).catch(() => undefined);
        const servers = answer?.body.servers as
          Record<string, { ready: number; states: string[] }> | undefined;
        return servers?.lb;
      };
      let lb: { ready: number; states: string[] } | undefined;
      await until(
        'both replicas ready at /readyz',
        () => lb?.ready === 2,
        { timeoutMs: 60_000, everyMs: 200 },
        async () => void (lb = await readiness()),
      ).catch(explained);
      // Found by DNS, one replica per address.
      for (const address of [addr.h1, addr.h2])
        expect(
          gateway.events.some((e) => e.server === 'lb' && e.msg.includes(`resolves to ${address}`)),
        ).toBe(true);
      expect((await getJson(`${base}/healthz`)).status).toBe(200);

      session = await connectGateway({ url: `${base}/mcp`, token });
      const client = session.client;
      const spread = async (calls: number): Promise<string[]> =>
        hostsOf(await pool(calls, 4, () => call(client, 'lb__pid', {}, CALL_BOUND_MS)), pids);

      // 1. Both hosts take calls.
      const before = tally(await spread(40));
      expect([...before.keys()].sort(), JSON.stringify([...before])).toEqual(['h1', 'h2']);

      // 2. h1's link goes down. Calls keep coming, two at a time, each bounded.
      gateway.mark();
      const cutAt = performance.now();
      ip('-n', ns.h1, 'link', 'set', 'eth0', 'down');
      const during: { host: string; start: number; end: number }[] = [];
      let down = false;
      let downAt = 0;
      const watch = until(
        'h1 to be marked down at /readyz',
        () => down,
        { timeoutMs: 60_000, everyMs: 100 },
        async () => {
          const now = await readiness();
          if (!down && now?.ready === 1) {
            down = true;
            downAt = performance.now();
          }
        },
      );
      // Until h1 is down and 20 calls more have been made.
      let after = 0;
      await Promise.all(
        [0, 1].map(async () => {
          while (!down || after < 20) {
            const start = performance.now();
            const [host] = hostsOf([await call(client, 'lb__pid', {}, CALL_BOUND_MS)], pids);
            during.push({
              host: host ?? '?',
              start: start - cutAt,
              end: performance.now() - cutAt,
            });
            if (down && start >= downAt) after++;
            if (performance.now() - cutAt > 90_000) throw new Error('no end to the cut phase');
          }
        }),
      );
      await watch;
      const detail = JSON.stringify(
        during.map((d) => `${d.host}@${Math.round(d.start)}-${Math.round(d.end)}`),
      );
      // No call hung, none took more than the bound.
      expect(
        during.every((d) => d.host !== 'hung' && d.end - d.start < CALL_BOUND_MS),
        detail,
      ).toBe(true);
      // h1 was marked down within the health threshold.
      expect(downAt - cutAt, detail).toBeLessThan(THRESHOLD_MS + SLACK_MS);
      // Every call made once h1 was down went to h2 and succeeded; and no call that ended after the
      // threshold was answered by h1 (which cannot answer).
      const late = during.filter((d) => d.start + cutAt >= downAt);
      expect(late.length).toBeGreaterThanOrEqual(20);
      expect(
        late.every((d) => d.host === 'h2'),
        detail,
      ).toBe(true);
      expect(
        during.every((d) => d.host === 'h2' || d.host === 'h1'),
        detail,
      ).toBe(true);
      expect(
        during.filter((d) => d.host === 'h1').every((d) => d.end < THRESHOLD_MS + SLACK_MS),
        detail,
      ).toBe(true);
      expect(
        gateway.events.some(
          (e) => e.server === 'lb' && e.level === 'warning' && e.msg.startsWith('ping failed'),
        ),
      ).toBe(true);

      // 3. The link comes back: h1 is ready again, and calls spread over both hosts.
      gateway.mark();
      ip('-n', ns.h1, 'link', 'set', 'eth0', 'up');
      await until(
        'h1 ready again at /readyz',
        () => lb?.ready === 2,
        { timeoutMs: 60_000, everyMs: 200 },
        async () => void (lb = await readiness()),
      ).catch(explained);
      await gateway.waitFor(
        'h1 ready again in the log',
        (e) => e.server === 'lb' && e.msg.startsWith('ready in'),
      );
      const again = tally(await spread(40));
      expect([...again.keys()].sort(), JSON.stringify([...again])).toEqual(['h1', 'h2']);

      await session.close();
      session = undefined;
      await gateway.stop();
      const exit = await gateway.exited;
      expect(exit.signal === 'SIGTERM' || exit.code === 0, JSON.stringify(exit)).toBe(true);
      expect(gateway.other, 'lines of stdout that are not JSON, and stderr').toEqual([]);
    }, 240_000);
  },
);
