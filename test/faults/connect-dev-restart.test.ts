// `mcpx connect` keeps its client's session across a restart of a real `mcpx dev`: SIGTERM to the
// process group the test started, then mcpx dev again on the same gateway port.
import type { Readable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, mcpx } from '../helpers/cli.js';
import { GatewayDev } from '../helpers/dev-process.js';
import { freePort } from '../helpers/ports.js';
import { waitForExit } from '../helpers/processes.js';
import { until } from '../helpers/until.js';
import { fixture, fixtureWorkspace, removeWorkspaces } from '../helpers/workspace.js';

let ws: string;
let client: Client | undefined;
let bridgePid: number | undefined;
let dev: GatewayDev;

beforeAll(async () => {
  ws = await fixtureWorkspace({
    kit: { command: process.execPath, args: [fixture('good-stdio')] },
  });
  dev = new GatewayDev(ws, await freePort());
  await dev.start();
});

afterAll(async () => {
  await client?.close();
  if (bridgePid !== undefined && !(await waitForExit(bridgePid, 10_000))) {
    process.kill(bridgePid, 'SIGKILL');
  }
  await dev?.stop();
  await removeWorkspaces();
});

describe('mcpx connect across a restart of mcpx dev', () => {
  it('keeps the client session, says list_changed, and calls the new cluster', async () => {
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
    client = new Client(
      { name: 'connect-dev-restart-test', version: '1.0.0' },
      { capabilities: {} },
    );
    let toolsChanged = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => void toolsChanged++);
    await client.connect(transport);
    bridgePid = transport.pid ?? undefined;

    const first = await client.callTool({ name: 'kit__echo', arguments: { text: 'before' } });
    expect(first.content).toEqual([{ type: 'text', text: 'before' }]);

    await dev.stop();
    await until('the bridge to notice mcpx dev is gone', () => stderr.includes('lost the gateway'));
    const down = await mcpx(['call', 'kit__echo', 'text=x'], { cwd: ws });
    expect(down.exitCode).toBe(4);
    expect(down.stderr).toContain(`mcpx dev is not running in ${ws}`);

    await dev.start();
    await until('tools list_changed from the bridge', () => toolsChanged >= 1, {
      timeoutMs: 30_000,
    });
    const after = await client.callTool({ name: 'kit__echo', arguments: { text: 'after' } });
    expect(after.content).toEqual([{ type: 'text', text: 'after' }]);
  });
});
