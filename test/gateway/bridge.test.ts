// The bridge of `mcpx connect` in this process, on real ports, a real control socket and real
// files, with a short wait for an absent gateway: what a client is told while the gateway is not
// there (the e2e test drives the built CLI with the real 30 s).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlServer } from '../../src/control/server.js';
import { McpxError } from '../../src/errors.js';
import { runBridge } from '../../src/gateway/bridge.js';
import { expectedGateway } from '../../src/gateway/locate.js';
import type { ClusterSnapshot } from '../../src/supervisor/state.js';
import { startStandIn } from '../helpers/gateway-stand-in.js';
import { freePort } from '../helpers/ports.js';
import { until } from '../helpers/until.js';

const TOKEN = 'bridge-test-token-0123456789abcdefghijklmnopqrstu';
const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function workspace(port: number, token = TOKEN): Promise<string> {
  const ws = await mkdtemp(join(tmpdir(), 'mcpx-bridge-'));
  cleanups.push(() => rm(ws, { recursive: true, force: true }));
  await writeFile(join(ws, 'mcpx.json'), JSON.stringify({ mcpServers: {}, gateway: { port } }));
  await mkdir(join(ws, '.mcpx'), { mode: 0o700 });
  await writeFile(join(ws, '.mcpx', 'gateway-token'), `${token}\n`, { mode: 0o600 });
  return ws;
}

type Message = Record<string, unknown> & { id?: unknown; method?: string };

/** A bridge on in-memory stdio, spoken to line by line. */
function bridge(ws: string, waitMs: number) {
  const input = new PassThrough();
  const output = new PassThrough();
  const received: Message[] = [];
  const stderr: string[] = [];
  createInterface({ input: output }).on('line', (line) =>
    received.push(JSON.parse(line) as Message),
  );
  const done = runBridge({
    root: ws,
    servers: [],
    locate: () => expectedGateway(ws),
    log: (line) => stderr.push(line),
    version: '0.0.0-test',
    input,
    output,
    waitMs,
  });
  cleanups.push(async () => {
    input.end();
    await done;
  });
  const send = (message: object): void =>
    void input.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
  const answer = async (id: number): Promise<Message> => {
    await until(`an answer to request ${id}`, () =>
      received.some((m) => m.id === id && !('method' in m)),
    );
    return received.find((m) => m.id === id && !('method' in m))!;
  };
  const initialize = async (): Promise<Message> => {
    send({
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 't', version: '1' },
      },
    });
    const result = await answer(0);
    send({ method: 'notifications/initialized' });
    return result;
  };
  return { send, answer, initialize, received, stderr };
}

describe('the bridge of mcpx connect', () => {
  it('answers a request an absent gateway cannot, after its wait, with how to start mcpx dev', async () => {
    const ws = await workspace(await freePort());
    const b = bridge(ws, 300);
    await b.initialize();
    b.send({ id: 1, method: 'tools/call', params: { name: 'kit__echo', arguments: {} } });
    expect(await b.answer(1)).toMatchObject({
      error: {
        code: -32000,
        message: `mcpx dev is not running in ${ws}: start it with \`mcpx dev --dir ${ws}\`.`,
      },
    });
  });

  it('answers requests sent after the gateway went away once the wait is over', async () => {
    const port = await freePort();
    const ws = await workspace(port);
    const gateway = await startStandIn({ port, token: TOKEN });
    cleanups.push(() => gateway.stop());
    const b = bridge(ws, 300);
    expect(await b.initialize()).toMatchObject({
      result: { serverInfo: { name: 'stand-in-gateway' } },
    });
    await gateway.stop();
    await until('the bridge to notice', () => b.stderr.some((l) => l.includes('lost the gateway')));
    b.send({ id: 2, method: 'tools/list' });
    const { error } = (await b.answer(2)) as { error: { message: string } };
    // Whichever the bridge knows last: the gateway went away, or (after an attempt to reconnect)
    // mcpx dev is not running; both say how to start it.
    expect(error.message).toMatch(/went away|is not running/);
    expect(error.message).toContain(`mcpx dev --dir ${ws}\``);
  });

  it('says so when the gateway refuses the token', async () => {
    const port = await freePort();
    const ws = await workspace(port, 'not-the-token-0123456789abcdefghijklmnopqrstuvwxyz');
    const gateway = await startStandIn({ port, token: TOKEN });
    cleanups.push(() => gateway.stop());
    const b = bridge(ws, 300);
    const { result } = (await b.initialize()) as { result: { instructions: string } };
    expect(result.instructions).toContain('refused the token of .mcpx/gateway-token (401)');
    expect(result.instructions).toContain(`check ${ws}/.mcpx/gateway-token`);
    expect(gateway.sessions).toBe(0);
  });

  it('says so when mcpx dev runs without its gateway', async () => {
    const ws = await workspace(await freePort());
    const snapshot: ClusterSnapshot = {
      root: ws,
      pid: process.pid,
      startedAt: new Date().toISOString(),
      replicas: [],
    };
    const control = await ControlServer.listen(ws, {
      status: () => snapshot,
      restart: () => Promise.reject(new McpxError('not here')),
    });
    cleanups.push(() => control.close());
    const b = bridge(ws, 300);
    const { result } = (await b.initialize()) as { result: { instructions: string } };
    expect(result.instructions).toContain(
      `mcpx dev in ${ws} runs without its gateway (--no-gateway)`,
    );
    expect(result.instructions).toContain('start `mcpx dev` without --no-gateway');
  });
});
