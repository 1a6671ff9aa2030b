/**
 * `mcpx status` of a real `mcpx dev` with its gateway: the gateway line, its sessions and counts,
 * the calls each replica served through it, and `--json` with the token a script sends.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, describe, expect, it } from 'vitest';
import type { StatusReport } from '../../src/services/status.js';
import { mcpx } from '../helpers/cli.js';
import { type DevProcess, startDevProcess } from '../helpers/dev-process.js';
import { isAlive, processesUnder } from '../helpers/processes.js';
import {
  fixture,
  fixtureWorkspace,
  readySnapshot,
  removeWorkspaces,
} from '../helpers/workspace.js';

const devs: DevProcess[] = [];
const clients: Client[] = [];
let dir = '';

afterAll(async () => {
  for (const client of clients) await client.close();
  for (const dev of devs) if (isAlive(dev.pid)) dev.child.kill('SIGKILL');
  if (dir !== '') for (const pid of processesUnder(dir)) process.kill(pid, 'SIGKILL');
  await removeWorkspaces();
});

async function statusJson(): Promise<StatusReport> {
  const result = await mcpx(['status', '--json'], { cwd: dir });
  expect(result.exitCode, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as StatusReport;
}

describe('mcpx status with the gateway', () => {
  it('shows the gateway, its sessions and the calls each replica served', async () => {
    dir = await fixtureWorkspace({
      kit: { command: 'node', args: [fixture('good-stdio')], replicas: 2 },
    });
    // Port 0: a free port, so that parallel tests and a developer's own mcpx dev do not collide.
    const dev = startDevProcess(dir, ['--gateway-port', '0']);
    devs.push(dev);
    await dev.waitFor(/gateway http:\/\/127\.0\.0\.1:\d+\/mcp/, 60_000);
    await readySnapshot(dir, 2, () => dev.lines.slice(-20).join('\n'));

    const before = await statusJson();
    const token = (await readFile(join(dir, '.mcpx', 'gateway-token'), 'utf8')).trim();
    expect(before.gateway).toEqual({
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/) as unknown,
      auth: true,
      sessions: 0,
      counts: { tools: 2, resources: 1, prompts: 0 },
      token,
    });
    expect(before.replicas.map((r) => r.calls)).toEqual([
      { inFlight: 0, served: 0 },
      { inFlight: 0, served: 0 },
    ]);

    // A client that sends the token from `status --json`, as a script would.
    const client = new Client({ name: 'status-test', version: '1.0.0' });
    clients.push(client);
    await client.connect(
      new StreamableHTTPClientTransport(new URL(before.gateway!.url), {
        requestInit: { headers: { Authorization: `Bearer ${before.gateway!.token}` } },
      }),
    );
    for (let i = 0; i < 4; i++) {
      const result = await client.callTool({ name: 'kit__add', arguments: { a: i, b: 1 } });
      expect(result.content).toEqual([{ type: 'text', text: String(i + 1) }]);
    }

    const after = await statusJson();
    expect(after.gateway?.sessions).toBe(1);
    const calls = after.replicas.map((r) => r.calls);
    expect(calls.every((c) => c?.inFlight === 0)).toBe(true);
    expect(calls.reduce((sum, c) => sum + (c?.served ?? 0), 0)).toBe(4);

    const table = await mcpx(['status'], { cwd: dir, env: { COLUMNS: '200' } });
    expect(table.exitCode, table.stderr).toBe(0);
    expect(table.stdout).not.toContain(token);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[1]).toBe(
      `gateway ${before.gateway!.url}  1 session  2 tools, 1 resource, 0 prompts`,
    );
    expect(lines[2]?.split(/ {2,}/)[7]).toBe('CALLS');
    expect(lines.slice(3).map((line) => line.split(/ {2,}/)[7])).toEqual(
      calls.map((c) => `0/${c?.served}`),
    );

    dev.child.kill('SIGINT');
    expect((await dev.exited).code).toBe(0);
  }, 120_000);
});
