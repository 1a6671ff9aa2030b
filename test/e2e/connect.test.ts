// `mcpx connect` as MCP clients run it: the SDK Client launches the built CLI over stdio, with the
// SDK's minimal environment and a working folder that is not the workspace. A stand-in gateway on a
// real port (test/helpers/gateway-stand-in.ts) is stopped and started again to play restarts of
// `mcpx dev`.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { type StandIn, startStandIn } from '../helpers/gateway-stand-in.js';
import { freePort } from '../helpers/ports.js';
import { waitForExit } from '../helpers/processes.js';
import { until } from '../helpers/until.js';

const TOKEN = 'connect-test-token-0123456789abcdefghijklmnopq';
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A workspace whose manifest puts the gateway on `port`, with the token file mcpx dev writes. */
async function workspace(port: number): Promise<string> {
  const ws = await mkdtemp(join(tmpdir(), 'mcpx-connect-'));
  cleanups.push(() => rm(ws, { recursive: true, force: true }));
  await writeFile(
    join(ws, 'mcpx.json'),
    JSON.stringify({ mcpServers: {}, gateway: { port } }, null, 2),
  );
  await mkdir(join(ws, '.mcpx'), { mode: 0o700 });
  await writeFile(join(ws, '.mcpx', 'gateway-token'), `${TOKEN}\n`, { mode: 0o600 });
  return ws;
}

async function standIn(port: number): Promise<StandIn> {
  const server = await startStandIn({ port, token: TOKEN });
  cleanups.push(() => server.stop());
  return server;
}

interface Bridged {
  client: Client;
  pid: number;
  stderr: () => string;
  /** list_changed notifications received, per kind. */
  changed: { tools: number; prompts: number; resources: number };
}

/** An SDK client that launches `mcpx connect --dir <ws>` from `/`, as Claude Desktop would. */
async function connect(ws: string, extra: string[] = []): Promise<Bridged> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, 'connect', '--dir', ws, ...extra],
    cwd: '/',
    stderr: 'pipe',
  });
  let stderr = '';
  (transport.stderr as Readable | null)
    ?.setEncoding('utf8')
    .on('data', (chunk: string) => (stderr += chunk));
  const client = new Client({ name: 'connect-test', version: '1.0.0' }, { capabilities: {} });
  const changed = { tools: 0, prompts: 0, resources: 0 };
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changed.tools++);
  client.setNotificationHandler(PromptListChangedNotificationSchema, () => void changed.prompts++);
  client.setNotificationHandler(
    ResourceListChangedNotificationSchema,
    () => void changed.resources++,
  );
  await client.connect(transport);
  const pid = transport.pid ?? -1;
  cleanups.push(async () => {
    await client.close();
    if (!(await waitForExit(pid, 10_000))) process.kill(pid, 'SIGKILL');
  });
  return { client, pid, stderr: () => stderr, changed };
}

function text(result: unknown): string {
  const content = (result as { content: { type: string; text?: string }[] }).content;
  return content.map((c) => c.text ?? '').join('');
}

describe('mcpx connect', () => {
  it('passes the session through to the gateway, with its token', async () => {
    const port = await freePort();
    const ws = await workspace(port);
    const gateway = await standIn(port);
    const { client, stderr } = await connect(ws);

    expect(client.getServerVersion()?.name).toBe('stand-in-gateway');
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain('kit__echo');
    expect(text(await client.callTool({ name: 'kit__echo', arguments: { text: 'hi' } }))).toBe(
      'run 1: hi',
    );
    expect(gateway.sessions).toBe(1);
    expect(gateway.initializedNotifications).toBe(1);
    expect(stderr()).toContain(`connected to ${gateway.url}`);
  });

  it('keeps the client session across a restart of the gateway, and says list_changed once', async () => {
    const port = await freePort();
    const ws = await workspace(port);
    const gateway = await standIn(port);
    const bridged = await connect(ws);
    const { client } = bridged;
    expect(text(await client.callTool({ name: 'kit__echo', arguments: { text: 'a' } }))).toBe(
      'run 1: a',
    );

    await gateway.stop();
    // Sent while nothing listens: it waits for the gateway rather than failing.
    const during = client.callTool({ name: 'kit__echo', arguments: { text: 'b' } });
    await until('the bridge to notice the gateway is gone', () =>
      bridged.stderr().includes('lost the gateway'),
    );
    await gateway.start();

    expect(text(await during)).toBe('run 2: b');
    // The replayed initialize opened a new session; its answer went nowhere, and `initialized`
    // was replayed after it.
    expect(gateway.sessions).toBe(1);
    expect(gateway.initializedNotifications).toBe(1);
    expect(bridged.changed).toEqual({ tools: 1, prompts: 1, resources: 1 });
    expect(text(await client.callTool({ name: 'kit__echo', arguments: { text: 'c' } }))).toBe(
      'run 2: c',
    );
  });

  it('answers at once, with an error, a call in flight when the gateway dies', async () => {
    const port = await freePort();
    const ws = await workspace(port);
    const gateway = await standIn(port);
    const { client } = await connect(ws);

    const call = client.callTool({ name: 'kit__hang', arguments: {} });
    await until('the call to reach the gateway', () => gateway.hanging === 1);
    await gateway.stop();
    // Not the 30 s wait of a request sent while the gateway is away: the in-flight error.
    await expect(call).rejects.toThrow(/while this request was in flight/);
  });

  it('a session that finds a 404 (a new mcpx dev on the same port) opens a new one', async () => {
    const port = await freePort();
    const ws = await workspace(port);
    const gateway = await standIn(port);
    const bridged = await connect(ws);
    // The stand-in forgets its sessions and comes back before the bridge could notice a gap:
    // the next call is the first to learn of it, from a 404.
    await gateway.stop();
    await gateway.start();
    expect(
      text(await bridged.client.callTool({ name: 'kit__echo', arguments: { text: 'x' } })),
    ).toBe('run 2: x');
    expect(gateway.sessions).toBe(1);
    await until('list_changed for tools', () => bridged.changed.tools === 1);
  });

  it('with no gateway, answers initialize itself, lists nothing, and connects when one appears', async () => {
    const port = await freePort();
    const ws = await workspace(port);
    const bridged = await connect(ws);
    const { client } = bridged;

    expect(client.getServerVersion()?.name).toBe('mcpx');
    expect(client.getServerCapabilities()?.tools?.listChanged).toBe(true);
    expect(client.getInstructions()).toContain(`mcpx dev is not running in ${ws}`);
    expect(client.getInstructions()).toContain(`\`mcpx dev --dir ${ws}\``);
    await until('the stderr line saying how to start mcpx dev', () =>
      bridged
        .stderr()
        .includes(`mcpx dev is not running in ${ws}: start it with \`mcpx dev --dir ${ws}\``),
    );
    expect((await client.listTools()).tools).toEqual([]);

    const gateway = await standIn(port);
    await until('tools list_changed', () => bridged.changed.tools === 1);
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('kit__echo');
    expect(text(await client.callTool({ name: 'kit__echo', arguments: { text: 'y' } }))).toBe(
      'run 1: y',
    );
    expect(gateway.initializedNotifications).toBe(1);
  });

  it('shows control characters of what it quotes on stderr escaped, not acted on', async () => {
    const port = await freePort();
    const parent = await workspace(port);
    // A workspace whose path would retitle a terminal window if printed raw.
    const ws = join(parent, 'evil\u001b]0;pwned\u0007');
    await mkdir(join(ws, '.mcpx'), { recursive: true });
    await writeFile(join(ws, 'mcpx.json'), JSON.stringify({ mcpServers: {}, gateway: { port } }));
    const bridged = await connect(ws);
    await until('the stderr line saying how to start mcpx dev', () =>
      bridged.stderr().includes('evil\\x1b]0;pwned\\x07'),
    );
    expect(bridged.stderr()).not.toContain('\u001b');
    expect(bridged.client.getInstructions()).toContain(ws);
  });

  it('uses /servers/<name>/mcp for one --server and ?servers= for several', async () => {
    const port = await freePort();
    const ws = await workspace(port);
    const gateway = await standIn(port);
    await connect(ws, ['--server', 'kit']);
    await connect(ws, ['--server', 'kit,docs']);
    expect(gateway.paths).toContain('/servers/kit/mcp');
    expect(gateway.paths).toContain('/mcp?servers=kit%2Cdocs');
  });

  it('exits when the client closes stdin, ending its gateway session', async () => {
    const port = await freePort();
    const ws = await workspace(port);
    const gateway = await standIn(port);
    const child = spawn(process.execPath, [BIN, 'connect', '--dir', ws], {
      cwd: '/',
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    cleanups.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const lines = createInterface({ input: child.stdout });
    const answered = new Promise<string>((resolve) => lines.once('line', resolve));
    child.stdin.write(
      `${JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: {},
          clientInfo: { name: 't', version: '1' },
        },
      })}\n`,
    );
    expect(JSON.parse(await answered)).toMatchObject({
      id: 1,
      result: { serverInfo: { name: 'stand-in-gateway' } },
    });
    expect(gateway.sessions).toBe(1);

    child.stdin.end();
    expect(await exited).toBe(0);
    expect(gateway.deletes).toBe(1);
  });
});
