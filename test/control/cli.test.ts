// `mcpx status` and `mcpx restart` as users run them: the built CLI in a child process, talking to
// a real ControlServer in this process whose handlers return a fixed cluster.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ControlServer } from '../../src/control/server.js';
import { McpxError } from '../../src/errors.js';
import { mcpx } from '../helpers/cli.js';
import { CLUSTER } from './cluster.js';

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

async function startCluster(): Promise<void> {
  server = await ControlServer.listen(ws, {
    status: () => ({ ...CLUSTER, root: ws }),
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
    const { exitCode, stdout, stderr } = await mcpx(['status', '--dir', ws], { cwd: tmpdir() });
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
    const { exitCode, stdout } = await mcpx(['status', '--json'], { cwd: inside });
    expect(exitCode).toBe(0);
    expect(JSON.parse(stdout)).toEqual(JSON.parse(JSON.stringify({ ...CLUSTER, root: ws })));
  });

  it('exits 4 and says how to start mcpx dev when none runs', async () => {
    const { exitCode, stdout, stderr } = await mcpx(['status', '--dir', ws], { cwd: tmpdir() });
    expect(exitCode).toBe(4);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `Error: mcpx dev is not running in ${ws}.\nTry: start it with \`mcpx dev\``,
    );

    const json = await mcpx(['status', '--json', '--dir', ws], { cwd: tmpdir() });
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
    const { exitCode, stdout } = await mcpx(['restart', 'docs', '--dir', ws], { cwd: tmpdir() });
    expect(exitCode).toBe(0);
    expect(stdout).toBe('Restarted docs (2 replicas)');
    expect(restarts).toEqual(['docs']);

    const json = await mcpx(['restart', 'docs', '--json', '--dir', ws], { cwd: tmpdir() });
    expect(JSON.parse(json.stdout)).toEqual({ server: 'docs', restarted: 2 });
  });

  it("passes on mcpx dev's error for an unknown server, exit 2", async () => {
    await startCluster();
    const { exitCode, stderr } = await mcpx(['restart', 'nope', '--dir', ws], { cwd: tmpdir() });
    expect(exitCode).toBe(2);
    expect(stderr).toBe(
      'Error: No server "nope" in this cluster.\nTry: the cluster runs text-kit, docs, writing',
    );
  });

  it('needs the server name', async () => {
    const { exitCode, stderr } = await mcpx(['restart', '--dir', ws], { cwd: tmpdir() });
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(/Missing 1 required arg/);
  });
});
