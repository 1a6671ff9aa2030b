// The gateway's own clients against a real `mcpx dev`: `mcpx tools` and `mcpx call` from a shell,
// and `mcpx connect` launched by the SDK Client. test/faults/connect-dev-restart.test.ts restarts
// mcpx dev under a connected client.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, mcpx } from '../helpers/cli.js';
import { GatewayDev } from '../helpers/dev-process.js';
import { freePort } from '../helpers/ports.js';
import { fixture, fixtureWorkspace, removeWorkspaces } from '../helpers/workspace.js';

let ws: string;
let dev: GatewayDev;

beforeAll(async () => {
  ws = await fixtureWorkspace({
    kit: { command: process.execPath, args: [fixture('good-stdio')] },
  });
  dev = new GatewayDev(ws, await freePort());
  await dev.start();
});

afterAll(async () => {
  await dev?.stop();
  await removeWorkspaces();
});

describe('the gateway from a shell and from a stdio client', () => {
  it('mcpx tools lists and mcpx call calls through the gateway', async () => {
    const tools = await mcpx(['tools'], { cwd: ws });
    expect(tools.exitCode, tools.stderr).toBe(0);
    expect(tools.stdout).toMatch(/^kit\n {2}kit__echo +Returns the text it is given/m);
    expect(tools.stdout).toMatch(/^ {2}kit__add +Adds two numbers\.$/m);

    const only = await mcpx(['tools', '--server', 'kit', '--json'], { cwd: ws });
    expect(only.exitCode, only.stderr).toBe(0);
    const listed = (JSON.parse(only.stdout) as { tools: { name: string }[] }).tools;
    expect(listed.map((t) => t.name).sort()).toEqual(['kit__add', 'kit__echo']);

    const called = await mcpx(['call', 'kit__add', 'a=2', 'b=3'], { cwd: ws });
    expect(called.exitCode, called.stderr).toBe(0);
    expect(called.stdout).toBe('5');

    const unknown = await mcpx(['call', 'kit__ech', 'text=x'], { cwd: ws });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('did you mean `kit__echo`?');
  });

  it('passes on an answer of 3 million characters from a stdio server (a line far over 1 MiB)', async () => {
    const token = (await readFile(join(ws, '.mcpx', 'gateway-token'), 'utf8')).trim();
    const client = new Client({ name: 'big-answer', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${dev.port}/mcp`), {
        requestInit: { headers: { Authorization: `Bearer ${token}` } },
      }),
    );
    try {
      const text = 'ab'.repeat(1_500_000);
      const result = await client.callTool({ name: 'kit__echo', arguments: { text } });
      const [first] = result.content as { type: string; text: string }[];
      expect(first?.text.length).toBeGreaterThanOrEqual(text.length);
      expect(first?.text).toContain(text);
    } finally {
      await client.close();
    }
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
        `the gateway has no endpoint http://127.0.0.1:${dev.port}/servers/nope/mcp`,
      );
      expect(probe.getInstructions()).toContain('check the names of --server');
    } finally {
      await probe.close();
    }
  });
});
