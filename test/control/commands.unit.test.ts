// `mcpx status` and `mcpx restart` in-process (oclif's parser, our error policy), talking over a
// real socket to a real ControlServer whose handlers return a fixed cluster. test/e2e/dev.test.ts
// runs them as child processes against a real `mcpx dev`.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Restart from '../../src/commands/restart.js';
import Status from '../../src/commands/status.js';
import { ControlServer } from '../../src/control/server.js';
import { McpxError } from '../../src/errors.js';
import { runCommand } from '../helpers/run-command.js';
import { gatewayToken } from '../../src/gateway/token.js';
import type { ClusterSnapshot } from '../../src/supervisor/state.js';
import { CLUSTER, CLUSTER_WITH_GATEWAY } from './cluster.js';

let ws: string;
let server: ControlServer | undefined;
const restarts: string[] = [];

beforeEach(async () => {
  ws = await mkdtemp(join(tmpdir(), 'mcpx-cli-status-'));
  await writeFile(join(ws, 'mcpx.json'), '{ "mcpServers": {} }\n');
  restarts.length = 0;
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(ws, { recursive: true, force: true });
});

async function startCluster(cluster: ClusterSnapshot = CLUSTER): Promise<void> {
  server = await ControlServer.listen(ws, {
    status: () => ({ ...cluster, root: ws }),
    restart: async (name) => {
      if (name !== 'docs') {
        throw new McpxError(`No server "${name}" in this cluster.`, {
          hint: 'the cluster runs text-kit, docs, writing',
        });
      }
      restarts.push(name);
      return { restarted: 2 };
    },
  });
}

describe('mcpx status', () => {
  it('prints one row per replica', async () => {
    await startCluster();
    const { exitCode, stdout, stderr } = await runCommand(Status, ['--dir', ws]);
    expect(stderr).toBe('');
    expect(exitCode).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      new RegExp(`^mcpx dev \\(pid 4242\\) in ${ws}, up \\S+: 2 of 4 replicas ready$`),
    );
    // Ages depend on the clock: compare the columns, not the padding.
    expect(lines[1]?.split(/ {2,}/)).toEqual([
      'SERVER',
      'STATE',
      'PID',
      'PORT',
      'UPTIME',
      'RESTARTS',
      'TOOLS/RES/PROMPTS',
      'CALLS',
      'LAST RELOAD',
      'LAST ERROR',
    ]);
    expect(lines.slice(2).map((line) => line.split(/\s+/).slice(0, 4))).toEqual([
      ['text-kit', 'ready', '4301', '-'],
      ['docs#0', 'ready', '4302', '43117'],
      ['docs#1', 'backoff', '-', '43118'],
      ['writing', 'crashed', '-', '-'],
    ]);
    expect(lines[4]).toContain('exited with code 1: ERROR cannot open');
  });

  it('prints the snapshot with --json, from a folder inside the workspace', async () => {
    await startCluster();
    const inside = join(ws, 'servers');
    await mkdir(inside);
    const { exitCode, stdout } = await runCommand(Status, ['--json', '--dir', inside]);
    expect(exitCode).toBe(0);
    expect(JSON.parse(stdout)).toEqual(JSON.parse(JSON.stringify({ ...CLUSTER, root: ws })));
  });

  it('prints the gateway and the calls of each replica', async () => {
    await startCluster(CLUSTER_WITH_GATEWAY);
    const { exitCode, stdout } = await runCommand(Status, ['--dir', ws]);
    expect(exitCode).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[1]).toBe(
      'gateway http://127.0.0.1:7330/mcp  2 sessions  3 tools, 4 resources, 0 prompts',
    );
    expect(lines.slice(3).map((line) => line.split(/ {2,}/)[7])).toEqual([
      '1/240',
      '0/17',
      '0/3',
      '0/0',
    ]);
  });

  it('passes the gateway and the calls through --json, with the token scripts send', async () => {
    await startCluster(CLUSTER_WITH_GATEWAY);
    const { token } = await gatewayToken(ws);
    const { exitCode, stdout } = await runCommand(Status, ['--json', '--dir', ws]);
    expect(exitCode).toBe(0);
    const expected = JSON.parse(JSON.stringify({ ...CLUSTER_WITH_GATEWAY, root: ws })) as {
      gateway: object;
    };
    expect(JSON.parse(stdout)).toEqual({ ...expected, gateway: { ...expected.gateway, token } });
    // The table never shows it.
    expect((await runCommand(Status, ['--dir', ws])).stdout).not.toContain(token);
  });

  it('adds no token to --json for a gateway without auth, or before any token exists', async () => {
    await startCluster(CLUSTER_WITH_GATEWAY);
    const before = await runCommand(Status, ['--json', '--dir', ws]);
    expect(JSON.parse(before.stdout)).toEqual(
      JSON.parse(JSON.stringify({ ...CLUSTER_WITH_GATEWAY, root: ws })),
    );
    await server?.close();
    const open = { ...CLUSTER_WITH_GATEWAY.gateway!, auth: false };
    await startCluster({ ...CLUSTER_WITH_GATEWAY, gateway: open });
    await gatewayToken(ws);
    const { stdout } = await runCommand(Status, ['--json', '--dir', ws]);
    expect((JSON.parse(stdout) as { gateway: object }).gateway).toEqual(open);
  });

  it('exits 4 and says how to start mcpx dev when none runs', async () => {
    const { exitCode, stdout, stderr } = await runCommand(Status, ['--dir', ws]);
    expect(exitCode).toBe(4);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `Error: mcpx dev is not running in ${ws}.\nTry: start it with \`mcpx dev\`\n`,
    );

    const json = await runCommand(Status, ['--json', '--dir', ws]);
    expect(json.exitCode).toBe(4);
    expect(JSON.parse(json.stdout)).toEqual({
      error: {
        message: `mcpx dev is not running in ${ws}.`,
        hint: 'start it with `mcpx dev`',
        exitCode: 4,
      },
    });
  });
});

describe('mcpx restart', () => {
  it('restarts the server and says how many replicas', async () => {
    await startCluster();
    const { exitCode, stdout, result } = await runCommand(Restart, ['docs', '--dir', ws]);
    expect(exitCode).toBe(0);
    expect(stdout).toBe('Restarted docs (2 replicas)\n');
    expect(result).toEqual({ server: 'docs', restarted: 2 });
    expect(restarts).toEqual(['docs']);

    const json = await runCommand(Restart, ['docs', '--json', '--dir', ws]);
    expect(JSON.parse(json.stdout)).toEqual({ server: 'docs', restarted: 2 });
  });

  it("passes on mcpx dev's error for an unknown server, exit 2", async () => {
    await startCluster();
    const { exitCode, stderr } = await runCommand(Restart, ['nope', '--dir', ws]);
    expect(exitCode).toBe(2);
    expect(stderr).toBe(
      'Error: No server "nope" in this cluster.\nTry: the cluster runs text-kit, docs, writing\n',
    );
  });

  it('needs the server name', async () => {
    // oclif's top level prints this usage error; test/e2e/cli.test.ts sees it printed.
    const { exitCode, error } = await runCommand(Restart, ['--dir', ws]);
    expect(exitCode).toBe(2);
    expect(error?.message).toMatch(/Missing 1 required arg/);
  });
});
