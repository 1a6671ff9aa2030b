// The gateway's own clients against a real `mcpx dev`: `mcpx tools` and `mcpx call` from a shell,
// and `mcpx connect` launched by the SDK Client, whose session survives a restart of mcpx dev
// (SIGTERM to the process group the test started, then mcpx dev again on the same port).
import type { Readable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, mcpx } from '../helpers/cli.js';
import { type DevProcess, startDevProcess } from '../helpers/dev-process.js';
import { freePort } from '../helpers/ports.js';
import { processGroupAlive, waitForExit } from '../helpers/processes.js';
import { until } from '../helpers/until.js';
import { fixture, fixtureWorkspace, removeWorkspaces } from '../helpers/workspace.js';

const GATEWAY_LINE = /gateway http:\/\/127\.0\.0\.1:\d+\/mcp/;
let ws: string;
let port: number;
let dev: DevProcess | undefined;
let client: Client | undefined;
let bridgePid: number | undefined;

/** mcpx dev in its own process group, on the test's gateway port; resolves once it serves. */
async function startDev(): Promise<DevProcess> {
  const started = startDevProcess(ws, ['--no-watch', '--gateway-port', String(port)], {
    detached: true,
  });
  dev = started;
  await started.waitFor(GATEWAY_LINE, 60_000);
  return started;
}

async function stopDev(): Promise<void> {
  const running = dev;
  dev = undefined;
  if (running === undefined || !processGroupAlive(running.pid)) return;
  process.kill(-running.pid, 'SIGTERM');
  if (!(await waitForExit(running.pid, 15_000))) process.kill(-running.pid, 'SIGKILL');
  await until('the process group of mcpx dev to end', () => !processGroupAlive(running.pid), {
    timeoutMs: 15_000,
  });
}

beforeAll(async () => {
  ws = await fixtureWorkspace({
    kit: { command: process.execPath, args: [fixture('good-stdio')] },
  });
  port = await freePort();
  await startDev();
});

afterAll(async () => {
  await client?.close();
  if (bridgePid !== undefined && !(await waitForExit(bridgePid, 10_000))) {
    process.kill(bridgePid, 'SIGKILL');
  }
  await stopDev();
  await removeWorkspaces();
});

describe('the gateway from a shell and from a stdio client', () => {
  it('mcpx tools lists and mcpx call calls through the gateway', async () => {
    const tools = await mcpx(['tools'], { cwd: ws });
    expect(tools.exitCode, tools.stderr).toBe(0);
    expect(tools.stdout).toMatch(/^kit\n {2}kit__echo +Returns the text it is given/m);
    expect(tools.stdout).toMatch(/^ {2}kit__add +Adds two numbers\.$/m);

    const called = await mcpx(['call', 'kit__add', 'a=2', 'b=3'], { cwd: ws });
    expect(called.exitCode, called.stderr).toBe(0);
    expect(called.stdout).toBe('5');

    const unknown = await mcpx(['call', 'kit__ech', 'text=x'], { cwd: ws });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('did you mean `kit__echo`?');
  });

  it('mcpx connect names an unknown --server in its instructions', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN, 'connect', '--dir', ws, '--server', 'nope'],
      cwd: '/',
      stderr: 'pipe',
    });
    const probe = new Client({ name: 'unknown-server', version: '1.0.0' }, { capabilities: {} });
    await probe.connect(transport);
    try {
      expect(probe.getServerVersion()?.name).toBe('mcpx');
      expect(probe.getInstructions()).toContain(
        `the gateway has no endpoint http://127.0.0.1:${port}/servers/nope/mcp`,
      );
      expect(probe.getInstructions()).toContain('check the names of --server');
    } finally {
      await probe.close();
    }
  });

  it('mcpx connect keeps its client session across a restart of mcpx dev', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN, 'connect', '--dir', ws],
      cwd: '/',
      stderr: 'pipe',
    });
    let stderr = '';
    (transport.stderr as Readable | null)
      ?.setEncoding('utf8')
      .on('data', (chunk: string) => (stderr += chunk));
    client = new Client({ name: 'gateway-clients-test', version: '1.0.0' }, { capabilities: {} });
    let toolsChanged = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => void toolsChanged++);
    await client.connect(transport);
    bridgePid = transport.pid ?? undefined;

    const first = await client.callTool({ name: 'kit__echo', arguments: { text: 'before' } });
    expect(first.content).toEqual([{ type: 'text', text: 'before' }]);

    await stopDev();
    await until('the bridge to notice mcpx dev is gone', () => stderr.includes('lost the gateway'));
    const down = await mcpx(['call', 'kit__echo', 'text=x'], { cwd: ws });
    expect(down.exitCode).toBe(4);
    expect(down.stderr).toContain(`mcpx dev is not running in ${ws}`);

    await startDev();
    await until('tools list_changed from the bridge', () => toolsChanged >= 1, {
      timeoutMs: 30_000,
    });
    const after = await client.callTool({ name: 'kit__echo', arguments: { text: 'after' } });
    expect(after.content).toEqual([{ type: 'text', text: 'after' }]);
  });
});
