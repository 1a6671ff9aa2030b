// ServerInstance and the legacy HTTP+SSE transport, with real processes on 127.0.0.1: an SSE server
// mcpx starts, a `url` with no transport (Streamable HTTP first, SSE on 400/404/405, and an event
// saying which answered), and failed connections that say what answered to which transport.
import { type ChildProcess, spawn } from 'node:child_process';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { type InstanceSpec, ServerInstance, StartError } from '../../src/server/instance.js';
import type { ServerEvent } from '../../src/server/session.js';
import { freePort } from '../helpers/ports.js';
import { isAlive, waitForExit } from '../helpers/processes.js';
import { until } from '../helpers/until.js';
import { fixture } from '../helpers/workspace.js';

const started = new Set<number>();
afterEach(async () => {
  for (const pid of started) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  for (const pid of started) expect(await waitForExit(pid, 5000)).toBe(true);
  started.clear();
});

/** A fixture server on `port`, started (and stopped after the test) by the test itself. */
async function runFixture(name: 'good-sse' | 'good-http', port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [fixture(name)], {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  if (child.pid !== undefined) started.add(child.pid);
  let text = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  await until('the fixture to listen', () => text.includes('ready on'), { timeoutMs: 20_000 });
  return child;
}

function remote(url: string, transport: 'http' | 'sse', detect = false): InstanceSpec {
  return {
    server: 'remote',
    replica: 0,
    transport,
    url,
    detect,
    startTimeout: 10_000,
    requestTimeout: 5_000,
  };
}

async function startError(spec: InstanceSpec): Promise<StartError> {
  const error: unknown = await ServerInstance.start(
    spec,
    { onEvent: () => undefined },
    async () => undefined,
  ).then(
    async ({ instance }) => {
      await instance.stop();
      return new Error('it started');
    },
    (reason: unknown) => reason,
  );
  if (!(error instanceof StartError)) throw error;
  return error;
}

describe('ServerInstance over legacy SSE', () => {
  it('starts an "sse" server with PORT, waits for its port, lists, pings and stops it', async () => {
    const port = await freePort();
    const { instance, prepared } = await ServerInstance.start(
      {
        server: 'legacy',
        replica: 0,
        transport: 'sse',
        port,
        url: `http://127.0.0.1:${port}/sse`,
        launch: {
          command: process.execPath,
          args: [fixture('good-sse')],
          cwd: process.cwd(),
          env: { ...process.env, PORT: String(port) } as Record<string, string>,
        },
        startTimeout: 20_000,
        requestTimeout: 5_000,
      },
      { onEvent: () => undefined, onSpawn: (i) => started.add(i.pid ?? -1) },
      (session) => session.list(5000),
    );
    expect(instance.transport).toBe('sse');
    expect(instance.session.serverInfo?.name).toBe('good-sse');
    // The SSE transport keeps the agreed version to itself; the session still knows it.
    expect(instance.session.protocolVersion).toBe(LATEST_PROTOCOL_VERSION);
    expect(Object.keys(prepared.tools).sort()).toEqual(['add', 'echo']);
    await instance.ping(5000);
    const pid = instance.pid ?? -1;
    await instance.stop();
    expect(await waitForExit(pid, 5000)).toBe(true);
  }, 40_000);

  it('a url without a transport: Streamable HTTP answers 404, SSE answers, and an event says so', async () => {
    const port = await freePort();
    await runFixture('good-sse', port);
    const url = `http://127.0.0.1:${port}/sse`;
    const events: ServerEvent[] = [];
    const { instance } = await ServerInstance.start(
      remote(url, 'http', true),
      { onEvent: (event) => void events.push(event) },
      (session) => session.list(5000),
    );
    expect(instance.transport).toBe('sse');
    expect(instance.session.serverInfo?.name).toBe('good-sse');
    expect(events).toContainEqual({
      stream: 'mcpx',
      level: 'info',
      msg: `${url} answered over the legacy HTTP+SSE transport (Streamable HTTP got 404); set "type": "sse" in mcpx.json to skip the Streamable HTTP attempt`,
    });
    await instance.stop();
  }, 30_000);

  it('a url without a transport that speaks Streamable HTTP stays on it', async () => {
    const port = await freePort();
    await runFixture('good-http', port);
    const url = `http://127.0.0.1:${port}/mcp`;
    const events: ServerEvent[] = [];
    const { instance } = await ServerInstance.start(
      remote(url, 'http', true),
      { onEvent: (event) => void events.push(event) },
      async () => undefined,
    );
    expect(instance.transport).toBe('http');
    expect(instance.attempts.map((a) => a.transport)).toEqual(['http']);
    expect(events).toContainEqual({
      stream: 'mcpx',
      level: 'info',
      msg: `${url} answered over Streamable HTTP`,
    });
    await instance.stop();
  }, 30_000);
});

describe('a failed connection to a url server', () => {
  it('says what answered Streamable HTTP (status, content type, first line) and how to use SSE', async () => {
    const port = await freePort();
    await runFixture('good-sse', port);
    const url = `http://127.0.0.1:${port}/sse`;
    const error = await startError(remote(url, 'http'));
    expect(error.message).toBe(
      `${url} answered Streamable HTTP's POST with 404 Not Found (text/html; charset=utf-8): "<!DOCTYPE html>"; if it is a legacy SSE server, set "type": "sse" (or leave "type" out: mcpx then tries SSE after Streamable HTTP), else check the URL`,
    );
  }, 30_000);

  it('says what answered each transport tried when neither is there', async () => {
    const port = await freePort();
    await runFixture('good-sse', port);
    const url = `http://127.0.0.1:${port}/nowhere`;
    const error = await startError(remote(url, 'http', true));
    expect(error.message).toBe(
      `${url} answered Streamable HTTP's POST with 404 Not Found (text/html; charset=utf-8): "<!DOCTYPE html>", then legacy SSE's GET with 404 Not Found (text/html; charset=utf-8): "<!DOCTYPE html>"; check the URL (SSE servers usually serve GET /sse; Streamable HTTP ones POST /mcp)`,
    );
  }, 30_000);

  it('names the transport it tried when nothing listens', async () => {
    const url = `http://127.0.0.1:${await freePort()}/sse`;
    const error = await startError(remote(url, 'sse'));
    expect(error.message).toBe(`connection refused at ${new URL(url).host} (tried legacy SSE)`);
  }, 30_000);
});
