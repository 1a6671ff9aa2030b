/**
 * DNS discovery of `mcpx gateway` (RemoteCluster) against real lb fixture servers on 127.0.0.1 and
 * 127.0.0.2 (same port, as pods behind a headless Service): the resolver is the test's, so that it
 * can add and remove addresses as Kubernetes would.
 */
import type { ChildProcess } from 'node:child_process';
import { type Socket, createServer } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RemoteCluster } from '../../src/gateway/remote/cluster.js';
import { parseMembers } from '../../src/gateway/remote/members-file.js';
import type { LogEvent } from '../../src/logs/event.js';
import { freePort } from '../helpers/ports.js';
import { startLbServer, stopLbServers } from '../helpers/remote-gateway.js';
import { until } from '../helpers/until.js';

let cluster: RemoteCluster | undefined;

afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

afterAll(stopLbServers);

const lbOn = (address: string, port: number): Promise<ChildProcess> =>
  startLbServer({ LB_HOST: address, PORT: String(port), ALLOWED_HOSTS: 'lb-svc' });

describe('DNS discovery (RemoteCluster)', () => {
  it('makes a replica per address, follows addresses as they come and go, and keeps replicas through a DNS failure', async () => {
    const port = await freePort();
    await lbOn('127.0.0.1', port);
    await lbOn('127.0.0.2', port);
    const members = parseMembers(
      'members.json',
      JSON.stringify({
        servers: {
          lb: {
            url: `http://lb-svc:${port}/mcp`,
            discovery: 'dns',
            health: { interval: 200, timeout: 1000, failures: 2 },
          },
        },
      }),
    );
    let answer: string[] | Error = ['127.0.0.1'];
    const asked: string[] = [];
    const events: LogEvent[] = [];
    let changes = 0;
    cluster = new RemoteCluster({
      members,
      onEvent: (event) => void events.push(event),
      onChange: () => void changes++,
      resolve: async (host) => {
        asked.push(host);
        if (answer instanceof Error) throw answer;
        return answer;
      },
      dnsRefreshMs: 100,
    });
    const c = cluster;
    const ready = (): string[] =>
      c.replicas
        .filter((r) => r.state === 'ready')
        .map((r) => new URL(urlOf(events, r.replica)).hostname);
    await c.start();
    expect(asked[0]).toBe('lb-svc');
    expect(ready()).toEqual(['127.0.0.1']);
    expect(changes).toBeGreaterThan(0);

    // A second pod: a second replica, ready.
    answer = ['127.0.0.1', '127.0.0.2'];
    await until('two ready replicas', () => ready().length === 2, { timeoutMs: 20_000 });
    expect(ready().sort()).toEqual(['127.0.0.1', '127.0.0.2']);
    expect(c.replicas.map((r) => r.replica)).toEqual([0, 1]);

    // The DNS server fails: the replicas stay (their health checks decide), said once.
    const mark = events.length;
    answer = Object.assign(new Error('queryA EAI_AGAIN lb-svc'), { code: 'EAI_AGAIN' });
    const failuresSoFar = asked.length;
    await until('three lookups during the failure', () => asked.length >= failuresSoFar + 3);
    expect(ready().sort()).toEqual(['127.0.0.1', '127.0.0.2']);
    const said = events.slice(mark).filter((e) => e.msg.includes('EAI_AGAIN'));
    expect(said.length).toBe(1);
    expect(said[0]?.msg).toContain('keeping the replicas found before');

    // The first pod goes: its replica leaves; the other stays. Then none resolves at all.
    answer = ['127.0.0.2'];
    await until('one replica left', () => c.replicas.length === 1, { timeoutMs: 20_000 });
    expect(ready()).toEqual(['127.0.0.2']);
    expect(c.replicas[0]?.replica).toBe(1);
    expect(events.some((e) => e.msg.includes('no longer resolves to 127.0.0.1'))).toBe(true);
    answer = Object.assign(new Error('getaddrinfo ENOTFOUND lb-svc'), { code: 'ENOTFOUND' });
    await until('no replica left', () => c.replicas.length === 0, { timeoutMs: 20_000 });
    expect(events.some((e) => e.msg.includes('resolves to no address'))).toBe(true);

    // Back: a new replica number, ready.
    answer = ['127.0.0.1'];
    await until('a replica again', () => ready().length === 1, { timeoutMs: 20_000 });
    expect(c.replicas[0]?.replica).toBe(2);
  }, 90_000);

  it('follows the addresses on time while a replica is still trying to connect', async () => {
    const port = await freePort();
    await lbOn('127.0.0.1', port);
    // 127.0.0.3 takes connections and never answers: its replica's start lasts its startTimeout.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => void sockets.add(socket.resume()));
    await new Promise<void>((resolve) => silent.listen(port, '127.0.0.3', resolve));
    try {
      const members = parseMembers(
        'members.json',
        JSON.stringify({
          servers: {
            lb: { url: `http://lb-svc:${port}/mcp`, discovery: 'dns', startTimeout: 15_000 },
          },
        }),
      );
      let answer = ['127.0.0.1'];
      const events: LogEvent[] = [];
      cluster = new RemoteCluster({
        members,
        onEvent: (event) => void events.push(event),
        onChange: () => undefined,
        resolve: async () => answer,
        dnsRefreshMs: 100,
      });
      const c = cluster;
      await c.start();
      answer = ['127.0.0.1', '127.0.0.3'];
      await until('a replica for 127.0.0.3', () => c.replicas.length === 2);
      answer = ['127.0.0.1'];
      await until('the replica of 127.0.0.3 to leave', () => c.replicas.length === 1, {
        timeoutMs: 20_000,
      });
      // It left while its start was still under way (no start timeout was reported): the lookups
      // did not wait for that start to end.
      expect(events.map((e) => e.msg).filter((msg) => msg.includes('(the start timeout)'))).toEqual(
        [],
      );
      expect(c.replicas[0]?.state).toBe('ready');
      await c.stop();
      cluster = undefined;
      // Its connection ended with it (a start that timed out leaves no socket behind).
      await until('the silent server to see its connection closed', () =>
        [...sockets].every((socket) => socket.readableEnded || socket.destroyed),
      );
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  }, 60_000);
});

/** The URL a replica connected to, from its "connecting to" event. */
function urlOf(events: readonly LogEvent[], replica: number): string {
  const line = events.findLast((e) => e.replica === replica && e.msg.startsWith('connecting to '));
  return line?.msg.slice('connecting to '.length) ?? '';
}
