// The gateway's cost and its load balancing, in one run.
//   npm run build && node bench/gateway.js [rounds]
// 1. Overhead: the lb fixture (test/fixtures/lb.ts) as an HTTP server under `mcpx dev`, its trivial
//    `pid` tool called by SDK clients (one session each, every client calling in a loop)
//      direct HTTP      over Streamable HTTP on the server's own port (`mcpx status --json`,
//                       .mcpx/auth-token)
//      gateway → HTTP   through the gateway's /mcp (.mcpx/gateway-token) to the same server
//      gateway → stdio  through the gateway to the same fixture run over stdio (no second HTTP hop)
//      bare HTTP hop    through bench/lib/bare-proxy.js to the same server: node:http forwarding
//                       and nothing else (no MCP, sessions, token, routing), answering JSON as the
//                       gateway does; the floor of any HTTP hop written on Node, on this machine
//      byte splice      through bench/lib/tcp-splice.js: bytes copied on node:net, no HTTP parsed;
//                       the hop itself, which no gateway can be (it must read MCP to route it)
//    at 1 and 16 concurrent clients; rounds interleaved, each path first in turn; with the CPU time
//    the process in the middle (mcpx dev, or the bare proxy) spends per call (Linux). Target:
//    gateway p50 within 1.3x of direct at 1 client.
// 2. Balancing: 3 stdio replicas of the lb fixture, one slowed by its flag file (+SLOW_MS per call),
//    16 clients calling `work` (WORK_MS each): the share each replica served, calls/s and p95, for
//    the gateway's least-outstanding (default) and round robin (MCPX_GATEWAY_BALANCE=round-robin),
//    a fresh `mcpx dev` per run, the two alternating. Target: the slow replica's share under 20%.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BIN, REPO, freePort, makeWorkspace, median, run } from './lib/workspace.js';

const rounds = Number(process.argv[2] ?? 5);
if (!Number.isInteger(rounds) || rounds < 3) {
  // The median of two rounds is the slower one: the ratios would mean nothing.
  console.error(
    `bench/gateway.js: rounds must be a whole number of 3 or more, not ${process.argv[2]}`,
  );
  process.exit(2);
}
const CALLS = 200; // per client and run, overhead part
const LB_CALLS = 600; // per run, balancing part, spread over the clients
const WORK_MS = 10;
const SLOW_MS = 200;
const LB = join(REPO, 'test/fixtures/lb.ts');

/** The value at quantile `q` (0..1) of `values`. */
const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const spread = (values, digits = 2) =>
  `${Math.min(...values).toFixed(digits)} / ${median(values).toFixed(digits)} / ${Math.max(...values).toFixed(digits)}`;

/** `mcpx dev` on `ws` with its gateway on a free port, once every server is ready. */
async function startDev(ws, env = {}) {
  const port = await freePort();
  const proc = run(process.execPath, [BIN, 'dev', '--no-watch', '--gateway-port', String(port)], {
    cwd: ws.dir,
    env,
  });
  try {
    await proc.next(/gateway http:\/\/127\.0\.0\.1:\d+\/mcp/, 60_000);
    const status = JSON.parse(
      execFileSync(process.execPath, [BIN, 'status', '--json'], { cwd: ws.dir, encoding: 'utf8' }),
    );
    const token = async (file) => (await readFile(join(ws.dir, '.mcpx', file), 'utf8')).trim();
    return {
      proc,
      replicas: status.replicas,
      gateway: { url: `http://127.0.0.1:${port}/mcp`, token: await token('gateway-token') },
      serverToken: await token('auth-token'),
    };
  } catch (error) {
    await proc.stop();
    throw error;
  }
}

/** `count` SDK clients, each with its own session on `url`. */
async function clients(count, url, token) {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const client = new Client({ name: 'bench', version: '0' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(url), {
          requestInit: { headers: { Authorization: `Bearer ${token}` } },
        }),
      );
      return client;
    }),
  );
}

/** Ends each session (DELETE), then closes: servers keep at most MAX_SESSIONS open. */
async function closeAll(sessions) {
  await Promise.all(
    sessions.map(async (client) => {
      await client.transport?.terminateSession?.().catch(() => undefined);
      await client.close();
    }),
  );
}

/**
 * Every client calls `name` in a loop until `total` calls are made; the latency of each and what
 * its result says (the pid that served it), and calls/s over the whole run.
 */
async function load(sessions, name, args, total) {
  const latencies = [];
  const servedBy = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    sessions.map(async (client) => {
      while (next++ < total) {
        const t = performance.now();
        const result = await client.callTool({ name, arguments: args });
        latencies.push(performance.now() - t);
        if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result)}`);
        servedBy.push(result.content[0].text);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { latencies, servedBy, perSecond: latencies.length / seconds };
}

/** CPU time (user + system) of process `pid` so far, in ms; undefined without Linux /proc. */
async function cpuMs(pid) {
  try {
    const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 10 ms
  } catch {
    return undefined;
  }
}

const PATHS = {
  direct: 'direct HTTP',
  gateway: 'gateway → HTTP',
  stdio: 'gateway → stdio',
  floor: 'bare HTTP hop',
  splice: 'byte splice',
};

async function overhead() {
  // The same fixture twice: `lb` over HTTP (called directly and through the gateway), and `lbs`
  // over stdio behind the gateway, which shows the gateway's own share without a second HTTP hop.
  const ws = await makeWorkspace({
    lb: { command: 'node', args: [LB, '--http'], transport: 'http' },
    lbs: { command: 'node', args: [LB] },
  });
  const results = {};
  // What this run starts, stopped in `finally` whatever fails.
  const started = [];
  try {
    const dev = await startDev(ws);
    started.push(() => dev.proc.stop());
    const http = dev.replicas.find((r) => r.server === 'lb');
    /** A reference hop from bench/lib in front of the server's port, once it listens. */
    const hop = async (script) => {
      const port = await freePort();
      const proc = run(process.execPath, [
        join(REPO, 'bench/lib', script),
        String(port),
        String(http.port),
      ]);
      started.push(() => proc.stop('SIGTERM'));
      await proc.next(/^ready$/);
      return { url: `http://127.0.0.1:${port}/mcp`, middle: proc.child.pid };
    };
    const direct = {
      url: `http://127.0.0.1:${http.port}/mcp`,
      token: dev.serverToken,
      tool: 'pid',
    };
    const targets = {
      direct,
      gateway: { ...dev.gateway, tool: 'lb__pid', middle: dev.proc.child.pid },
      stdio: { ...dev.gateway, tool: 'lbs__pid', middle: dev.proc.child.pid },
      floor: { ...direct, ...(await hop('bare-proxy.js')) },
      splice: { ...direct, ...(await hop('tcp-splice.js')) },
    };
    for (let round = 0; round < rounds; round++) {
      for (const concurrency of [1, 16]) {
        const order = Object.keys(PATHS);
        // Each path goes first in turn, so that drift in the machine's load spreads over all.
        const first = round % order.length;
        for (const how of [...order.slice(first), ...order.slice(0, first)]) {
          const { url, token, tool, middle } = targets[how];
          const sessions = await clients(concurrency, url, token).catch((error) => {
            throw new Error(`${PATHS[how]}, ${concurrency} clients: connecting failed`, {
              cause: error,
            });
          });
          const measured = async () => {
            await load(sessions, tool, {}, 20 * concurrency); // warm-up: JIT, connections
            const before = middle === undefined ? undefined : await cpuMs(middle);
            const run = await load(sessions, tool, {}, CALLS * concurrency);
            const after = middle === undefined ? undefined : await cpuMs(middle);
            return { ...run, before, after };
          };
          const { latencies, perSecond, before, after } = await measured().catch((error) => {
            throw new Error(`${PATHS[how]}, ${concurrency} clients: a call failed`, {
              cause: error,
            });
          });
          await closeAll(sessions);
          const key = `${how}|${concurrency}`;
          results[key] ??= { p50: [], p99: [], perSecond: [], cpu: [] };
          results[key].p50.push(quantile(latencies, 0.5));
          results[key].p99.push(quantile(latencies, 0.99));
          results[key].perSecond.push(perSecond);
          if (before !== undefined && after !== undefined)
            results[key].cpu.push((after - before) / latencies.length);
        }
      }
    }
  } finally {
    for (const stop of started.reverse()) await stop();
    await ws.remove();
  }
  console.log(
    `gateway overhead: the lb fixture's pid tool, ${CALLS} calls per client, ${rounds} rounds, node ${process.version}`,
  );
  console.log(
    'how              clients  p50 ms min/median/max   p99 ms  calls/s  p50 vs direct  hop CPU ms/call',
  );
  for (const concurrency of [1, 16]) {
    const base = median(results[`direct|${concurrency}`].p50);
    for (const [how, label] of Object.entries(PATHS)) {
      const r = results[`${how}|${concurrency}`];
      const cpu = r.cpu.length === 0 ? '-' : median(r.cpu).toFixed(2);
      console.log(
        `${label.padEnd(16)} ${String(concurrency).padStart(7)}  ${spread(r.p50).padEnd(22)}  ${median(r.p99).toFixed(2).padStart(6)}  ${median(r.perSecond).toFixed(0).padStart(7)}  ${`${(median(r.p50) / base).toFixed(2)}x`.padStart(13)}  ${cpu.padStart(15)}`,
      );
    }
  }
}

/** One balancing run: a fresh cluster, one replica slowed, 16 clients calling work. */
async function balanceRun(strategy) {
  const ws = await makeWorkspace({
    lb: {
      command: 'node',
      args: [LB],
      replicas: 3,
      env: { SLOW_FLAG_FILE: 'run/slow-{pid}', SLOW_EXTRA_MS: String(SLOW_MS) },
    },
  });
  await mkdir(join(ws.dir, 'run'));
  const env = strategy === 'round-robin' ? { MCPX_GATEWAY_BALANCE: 'round-robin' } : {};
  const dev = await startDev(ws, env);
  try {
    const pids = dev.replicas.map((r) => String(r.pid));
    const slow = pids[0];
    await writeFile(join(ws.dir, 'run', `slow-${slow}`), '');
    const sessions = await clients(16, dev.gateway.url, dev.gateway.token);
    const { latencies, servedBy, perSecond } = await load(
      sessions,
      'lb__work',
      { ms: WORK_MS },
      LB_CALLS,
    );
    await closeAll(sessions);
    const share = (pid) => servedBy.filter((p) => p === pid).length / servedBy.length;
    return {
      slowShare: share(slow),
      fastShares: pids.slice(1).map(share),
      perSecond,
      p95: quantile(latencies, 0.95),
    };
  } finally {
    await dev.proc.stop();
    await ws.remove();
  }
}

async function balancing() {
  const strategies = ['least-outstanding', 'round-robin'];
  const results = Object.fromEntries(strategies.map((s) => [s, []]));
  const lbRounds = Math.max(3, Math.ceil(rounds / 2));
  for (let round = 0; round < lbRounds; round++) {
    const order = round % 2 === 0 ? strategies : [...strategies].reverse();
    for (const strategy of order) results[strategy].push(await balanceRun(strategy));
  }
  console.log(
    `\nload balancing: 3 stdio replicas, one slowed by ${SLOW_MS} ms per call, 16 clients, ${LB_CALLS} calls of work (${WORK_MS} ms), ${lbRounds} runs each`,
  );
  console.log(
    'strategy           slow share % min/median/max  each fast replica %  calls/s  p95 ms',
  );
  for (const strategy of strategies) {
    const r = results[strategy];
    const pct = (v) => v * 100;
    const fast = [0, 1].map((i) => pct(median(r.map((x) => x.fastShares[i]))).toFixed(1));
    console.log(
      `${strategy.padEnd(18)} ${spread(
        r.map((x) => pct(x.slowShare)),
        1,
      ).padEnd(29)} ${fast.join(' / ').padStart(19)}  ${median(r.map((x) => x.perSecond))
        .toFixed(0)
        .padStart(7)}  ${median(r.map((x) => x.p95))
        .toFixed(1)
        .padStart(6)}`,
    );
  }
}

await overhead();
await balancing();
