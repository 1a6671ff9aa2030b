/**
 * Acceptance of #11 point 1: servers of the legacy HTTP+SSE transport in a cluster.
 * @modelcontextprotocol/server-everything (installed by the test, pinned) in its `sse` mode serves
 * two entries of one workspace:
 *   evsse   started by mcpx: "transport": "sse", its port passed as PORT, endpoint /sse (the default);
 *   remote  a `url` with no type, pointing at a server-everything the test runs itself: mcpx tries
 *           Streamable HTTP, gets 404, and falls back to SSE, saying so.
 * `mcpx smoke` passes on both; `mcpx dev` gets both ready, reloads and restarts them; their tools are
 * callable through the gateway's /mcp, and an old-style client (the SDK's SSEClientTransport) lists
 * and calls them through the gateway's /sse.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpx } from '../helpers/cli.js';
import { type DevProcess, startDevProcess } from '../helpers/dev-process.js';
import { removeDir } from '../helpers/gateway.js';
import { installPinned } from '../helpers/npm-package.js';
import { freePort } from '../helpers/ports.js';
import { processesUnder, waitForExit } from '../helpers/processes.js';
import { until } from '../helpers/until.js';
import { statusOf } from '../helpers/workspace.js';

const EVERYTHING = '2026.8.31';

let dir: string;
let everything: string;
let remote: ChildProcess | undefined;
let remoteUrl: string;
let dev: DevProcess | undefined;

/** server-everything in its SSE mode on `port`, run by the test (not by mcpx). */
async function runRemote(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [everything, 'sse'], {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let text = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  await until('server-everything to listen', () => text.includes('Server is running on port'), {
    timeoutMs: 30_000,
  });
  return child;
}

beforeAll(async () => {
  everything = await (
    await installPinned('@modelcontextprotocol/server-everything', EVERYTHING)
  ).bin('mcp-server-everything');
  const port = await freePort();
  remote = await runRemote(port);
  remoteUrl = `http://127.0.0.1:${port}/sse`;
  dir = await mkdtemp(join(tmpdir(), 'mcpx-sse-'));
  await writeFile(
    join(dir, 'mcpx.json'),
    JSON.stringify(
      {
        mcpServers: {
          evsse: {
            command: 'node',
            args: [everything, 'sse'],
            transport: 'sse',
            watch: ['reload.txt'],
          },
          remote: { url: remoteUrl },
        },
      },
      null,
      2,
    ),
  );
}, 240_000);

afterAll(async () => {
  if (dev !== undefined && dev.child.exitCode === null && dev.child.signalCode === null) {
    dev.child.kill('SIGINT');
    if (!(await waitForExit(dev.pid, 20_000))) dev.child.kill('SIGKILL');
  }
  const left = dir === undefined ? [] : processesUnder(dir);
  for (const pid of left) process.kill(pid, 'SIGKILL');
  if (remote?.pid !== undefined && remote.exitCode === null) {
    remote.kill('SIGTERM');
    if (!(await waitForExit(remote.pid, 10_000))) remote.kill('SIGKILL');
  }
  if (dir !== undefined) await removeDir(dir);
  expect(left).toEqual([]);
}, 60_000);

async function connected(transport: Transport): Promise<Client> {
  const client = new Client({ name: 'acceptance', version: '1' });
  await client.connect(transport);
  return client;
}

/** Both servers' echo through one client of the gateway: the text each answered. */
async function echoes(client: Client, text: string): Promise<unknown[]> {
  const answers: unknown[] = [];
  for (const server of ['evsse', 'remote'])
    answers.push(
      (
        await client.callTool({
          name: `${server}__echo`,
          arguments: { message: `${text} ${server}` },
        })
      ).content,
    );
  return answers;
}

describe('legacy SSE servers in a cluster (server-everything sse)', () => {
  it('mcpx list shows sse, and http|sse for the url whose transport is found when connecting', async () => {
    const result = await mcpx(['list', '--json'], { cwd: dir });
    expect(result.exitCode, result.stderr).toBe(0);
    const { servers } = JSON.parse(result.stdout) as {
      servers: { name: string; transport: string }[];
    };
    expect(servers.map((s) => [s.name, s.transport])).toEqual([
      ['evsse', 'sse'],
      ['remote', 'http|sse'],
    ]);
  });

  it('mcpx smoke passes on both, and says the url answered over SSE', async () => {
    const result = await mcpx(['smoke'], { cwd: dir });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('evsse (no role, sse): mcp-servers/everything');
    expect(result.stdout).toContain('remote (no role, sse): mcp-servers/everything');
    expect(result.stdout).toMatch(
      /✔ start .*over legacy HTTP\+SSE \(detected: Streamable HTTP was refused; set "type": "sse"\)/,
    );
    expect(result.stdout).toMatch(/0 failed/);
    // The stream's first event and every result come over SSE; initialize agreed a version.
    expect(result.stdout).not.toContain('protocol unknown');
  }, 120_000);

  it('mcpx dev gets both ready; the gateway serves their tools on /mcp and to an old SSE client on /sse; reload and restarts keep them served', async () => {
    // Watching (unlike test/helpers/gateway.ts): the reload below is a file change.
    dev = startDevProcess(dir, ['--gateway-port', String(await freePort())]);
    const url = /(http:\/\/\S+\/mcp)/.exec(
      await dev.waitFor(/gateway http:\/\/\S+\/mcp/, 90_000),
    )![1]!;
    const token = (await readFile(join(dir, '.mcpx/gateway-token'), 'utf8')).trim();
    const headers = { Authorization: `Bearer ${token}` };
    expect(
      await dev.waitFor(/remote\s+\| http:\/\/\S+ answered over the legacy HTTP\+SSE transport/, {
        after: 0,
      }),
    ).toContain('(Streamable HTTP got 404)');
    await dev.waitFor(/evsse\s+\| ready in \d+ ms \(pid \d+, port \d+\): \d+ tools/, { after: 0 });
    await dev.waitFor(/remote\s+\| ready in \d+ ms: \d+ tools/, { after: 0 });
    // mcpx status shows the transport each session runs over: the url's is the one that answered.
    const transports = (await statusOf(dir))?.replicas.map((r) => [r.server, r.transport]);
    expect(transports?.sort()).toEqual([
      ['evsse', 'sse'],
      ['remote', 'sse'],
    ]);

    const modern = await connected(
      new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }),
    );
    const old = await connected(
      new SSEClientTransport(new URL('/sse', url), { requestInit: { headers } }),
    );
    try {
      for (const client of [modern, old]) {
        const names = (await client.listTools()).tools.map((t) => t.name);
        expect(names).toEqual(expect.arrayContaining(['evsse__echo', 'remote__echo']));
        expect(await echoes(client, 'hello')).toEqual([
          [{ type: 'text', text: 'Echo: hello evsse' }],
          [{ type: 'text', text: 'Echo: hello remote' }],
        ]);
      }

      // A change to a watched file reloads the SSE server mcpx started.
      dev.mark();
      await writeFile(join(dir, 'reload.txt'), 'again\n');
      await dev.waitFor(/evsse\s+\| reloaded in \d+ ms: same tools, resources and prompts/, 60_000);

      // Restarted on request, both are ready again.
      for (const server of ['evsse', 'remote']) {
        const restarted = await mcpx(['restart', server], { cwd: dir });
        expect(restarted.exitCode, restarted.stderr).toBe(0);
        expect(restarted.stdout).toContain(`Restarted ${server} (1 replica)`);
      }

      // Killed, the started one is restarted by the supervisor.
      const before = (await statusOf(dir))?.replicas.find((r) => r.server === 'evsse');
      expect(before?.state).toBe('ready');
      dev.mark();
      process.kill(before?.pid ?? -1, 'SIGKILL');
      await dev.waitFor(/evsse\s+\| ready in \d+ ms/, 60_000);

      // The same downstream sessions, old and new, still reach both.
      for (const client of [modern, old])
        expect(await echoes(client, 'again')).toEqual([
          [{ type: 'text', text: 'Echo: again evsse' }],
          [{ type: 'text', text: 'Echo: again remote' }],
        ]);
    } finally {
      await modern.close();
      await old.close();
    }
  }, 240_000);
});
