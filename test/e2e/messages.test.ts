/**
 * What `mcpx dev`, `mcpx logs` and `mcpx status` say about a cluster of servers with one and with
 * several replicas, a remote server and a Python server that prints to stdout; and how an invalid
 * flag value is reported.
 */
import { mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { mcpx } from '../helpers/cli.js';
import { type DevProcess, startDevProcess } from '../helpers/dev-process.js';
import { freePort } from '../helpers/ports.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const GOOD = join(REPO, 'test/fixtures/good-stdio.ts');
const dirs: string[] = [];
const devs: DevProcess[] = [];

afterAll(async () => {
  for (const dev of devs) if (dev.child.exitCode === null) dev.child.kill('SIGKILL');
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function workspace(manifest: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mcpx-messages-'));
  dirs.push(dir);
  await symlink(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  await writeFile(join(dir, 'mcpx.json'), JSON.stringify(manifest));
  return dir;
}

describe('a cluster with replicas, a remote server and a Python server', () => {
  it('is described truthfully, with the same replica labels in dev, logs and status', async () => {
    const port = await freePort();
    const dir = await workspace({
      mcpServers: {
        single: {
          command: 'node',
          args: [GOOD],
          env: { TOKEN: '${MCPX_TEST_NEVER_SET}', LEVEL: '${MCPX_TEST_NEVER_SET:-info}' },
        },
        multi: { command: 'node', args: [GOOD], replicas: 2 },
        remote: { url: `http://127.0.0.1:${port}/mcp` },
        // Prints to stdout and exits: a Python server that never gets as far as initialize.
        py: { command: 'python3', args: ['-c', 'print("hello", flush=True)'] },
      },
    });
    const dev = startDevProcess(dir);
    devs.push(dev);
    // 4 servers, 5 replicas: single and both of multi start; remote and py do not.
    await dev.waitFor(/mcpx +\| 2 of 4 servers ready \(3 of 5 replicas\) in \d+ ms/, 60_000);
    // An unset ${VAR} without a default is said once, before the server starts; one with a default is not.
    const unset = dev.lines.filter((line) => /MCPX_TEST_NEVER_SET/.test(line));
    expect(unset).toHaveLength(1);
    expect(unset[0]).toMatch(
      /single +\| env uses \$\{MCPX_TEST_NEVER_SET\}, which is not set here; the server gets "" for it$/,
    );
    const connecting = await dev.waitFor(/remote +\| .*connecting to http/);
    expect(connecting).toMatch(/\| connecting to http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const advice = await dev.waitFor(/py +\| wrote to stdout/);
    expect(advice).toContain('"hello"');
    expect(advice).toContain('print(..., file=sys.stderr)');
    expect(advice).not.toContain('console.error');
    await dev.waitFor(/multi#0 +\| INFO good-stdio ready|multi#0 +\| good-stdio ready/);
    await dev.waitFor(/multi#1 +\| .*good-stdio ready/);
    expect(dev.lines.some((line) => /\| single#0 /.test(line))).toBe(false);

    const status = await mcpx(['status'], { cwd: dir });
    expect(status.exitCode, status.stderr).toBe(0);
    const rows = status.stdout.split('\n').map((line) => line.split(/\s+/)[0]);
    expect(rows).toEqual(expect.arrayContaining(['multi#0', 'multi#1', 'single']));

    const logs = await mcpx(['logs', '-s', 'multi,single', '-n', '100'], { cwd: dir });
    expect(logs.exitCode, logs.stderr).toBe(0);
    const labels = new Set(logs.stdout.split('\n').map((line) => line.split(' | ')[1]?.trim()));
    expect([...labels].sort()).toEqual(['multi#0', 'multi#1', 'single']);

    dev.child.kill('SIGINT');
    expect((await dev.exited).code).toBe(0);
  }, 90_000);
});

describe('a flag value that is not one of its options', () => {
  it('is a usage error in mcpx format (exit 2), nothing created', async () => {
    const dir = await workspace({ mcpServers: {} });
    const result = await mcpx(['new', 'server', 'weather', '--transport', 'ftp'], { cwd: dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(
      'Error: --transport does not take "ftp": it is one of stdio, http.\n' +
        'Try: e.g. `mcpx new server --transport stdio`',
    );
  });

  it('--transport sse is refused with why (deprecated) and what old clients use instead', async () => {
    const dir = await workspace({ mcpServers: {} });
    const result = await mcpx(['new', 'server', 'weather', '--transport', 'sse'], { cwd: dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(
      'Error: mcpx does not scaffold SSE servers: the HTTP+SSE transport (protocol 2024-11-05) is deprecated since 2025-03-26, replaced by Streamable HTTP.\n' +
        'Try: `mcpx new server <name> --transport http`; clients that speak only SSE reach it (and every server of the workspace) through the gateway of `mcpx dev` at http://127.0.0.1:7330/sse',
    );
    expect((await readdir(dir)).sort()).toEqual(['mcpx.json', 'node_modules']);
  });
});
