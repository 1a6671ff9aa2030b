/**
 * The pre-warmed standby reload of `node` servers (issue #12), end to end with the built CLI and
 * real processes, for a stdio and an HTTP server: after the first change a standby waits; the next
 * save promotes it, and the new instance runs the new code with the server's own env and argv (a
 * dependency that reads them as it loads included); a standby killed before a save leaves a cold
 * reload; a truncate-then-write save is one reload.
 */
import { open, readFile, symlink, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplicaSnapshot } from '../../src/supervisor/state.js';
import { type DevProcess, startDevProcess } from '../helpers/dev-process.js';
import { isAlive, processesUnder, waitForExit } from '../helpers/processes.js';
import { until } from '../helpers/until.js';
import { fixtureWorkspace, removeWorkspaces, statusOf } from '../helpers/workspace.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** Outside the server's folder: preloaded by the standby, so it loads before the server's argv and env are in place unless the standby has them. */
const CAPTURE = `export const captured = { argv: process.argv.slice(2), env: process.env.MY_VAR ?? null };\n`;

/** A server whose tool description and start line carry VERSION. */
const serverSource = (transport: 'stdio' | 'http', version: string): string => `
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { captured } from '../../lib/capture.mjs';
const VERSION = '${version}';
const make = () => {
  const server = new McpServer({ name: 's', version: '0.0.0' });
  server.registerTool('whoami', { description: 'whoami ' + VERSION }, async () => ({
    content: [{ type: 'text', text: VERSION }],
  }));
  return server;
};
console.error('STARTED ' + VERSION + ' pid=' + process.pid + ' argv=' + JSON.stringify(process.argv.slice(2)) +
  ' env=' + process.env.MY_VAR + ' captured=' + JSON.stringify(captured) + ' port=' + (process.env.PORT ?? '-'));
${
  transport === 'stdio'
    ? `const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js');
await make().connect(new StdioServerTransport());
process.stdin.on('end', () => process.exit(0));`
    : `const { httpOptionsFromEnv, serveHttp } = await import('mcp-runtime/http');
const { stdinIsPipe, stopWhenDone } = await import('mcp-runtime/lifecycle');
const host = await serveHttp(make, { name: 's', version: '0.0.0' }, { ...httpOptionsFromEnv(), host: '127.0.0.1' });
stopWhenDone(host.close, { watchStdin: stdinIsPipe() });`
}
`;

afterAll(() => removeWorkspaces());

describe.each(['stdio', 'http'] as const)('a node %s server', (transport) => {
  let dir: string;
  let dev: DevProcess;
  let file: string;

  const s = async (): Promise<ReplicaSnapshot | undefined> =>
    (await statusOf(dir))?.replicas.find((r) => r.server === 's');

  /** Waits for a ready standby of s; its pid. */
  async function readyStandby(): Promise<number> {
    let replica: ReplicaSnapshot | undefined;
    await until(
      'a ready standby of s',
      () => replica?.standby?.state === 'ready',
      { timeoutMs: 60_000, everyMs: 100 },
      async () => {
        replica = await s();
      },
    );
    return replica?.standby?.pid ?? -1;
  }

  /** Saves version `v` of s and waits for its start line and the reload; the start line. */
  async function saveAndReload(version: string): Promise<string> {
    dev.mark();
    await writeFile(file, serverSource(transport, version));
    const started = await dev.waitFor(new RegExp(`s\\s+\\| STARTED ${version} `), 60_000);
    await dev.waitFor(/s\s+\| reloaded in \d+ ms: tools: ~whoami/, 60_000);
    return started;
  }

  beforeAll(async () => {
    dir = await fixtureWorkspace({
      s: {
        command: 'node',
        args: ['server.mjs', '--flag', 'one'],
        cwd: 'servers/s',
        env: { MY_VAR: `from-manifest-${transport}` },
        ...(transport === 'http' ? { transport: 'http' } : {}),
      },
      // The barrier: a later change to another server, reported after any reload of s's save.
      b: { command: 'node', args: ['server.mjs'], cwd: 'servers/b' },
    });
    await symlink(join(REPO, 'node_modules'), join(dir, 'node_modules'));
    await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    await mkdir(join(dir, 'lib'));
    await writeFile(join(dir, 'lib/capture.mjs'), CAPTURE);
    for (const name of ['s', 'b']) await mkdir(join(dir, 'servers', name), { recursive: true });
    file = join(dir, 'servers/s/server.mjs');
    await writeFile(file, serverSource(transport, 'v1'));
    await writeFile(join(dir, 'servers/b/server.mjs'), serverSource('stdio', 'b1'));
    dev = startDevProcess(dir);
    await dev.waitFor(/2 of 2 servers ready/, 60_000);
    await dev.waitFor(/watching mcpx\.json and the files of/, 60_000);
  }, 120_000);

  afterAll(async () => {
    if (dev !== undefined && isAlive(dev.pid)) {
      dev.child.kill('SIGINT');
      expect(await waitForExit(dev.pid, 30_000)).toBe(true);
    }
    expect(processesUnder(dir)).toEqual([]);
  }, 60_000);

  it("promotes the waiting standby: the new code runs with the server's own env and argv", async () => {
    // No standby until the first change of the session, which reloads cold and arms it.
    expect((await s())?.standby).toBeUndefined();
    const first = await saveAndReload('v2');
    const standby = await readyStandby();
    expect(first).not.toContain(`pid=${standby} `);

    const started = await saveAndReload('v3');
    await dev.waitFor(
      new RegExp(
        `s\\s+\\| starting node server\\.mjs --flag one.* in its standby \\(pid ${standby}\\)`,
      ),
    );
    const expectEnv = `env=from-manifest-${transport}`;
    const replica = await s();
    expect(replica?.pid).toBe(standby);
    expect(started).toContain(`pid=${standby} `);
    expect(started).toContain('argv=["--flag","one"]');
    expect(started).toContain(expectEnv);
    // A dependency loaded in the standby, before the save, saw the server's argv and env too.
    expect(started).toContain(
      `captured={"argv":["--flag","one"],"env":"from-manifest-${transport}"}`,
    );
    // An HTTP server listens on the port of this instance, sent at the promotion.
    expect(started).toContain(`port=${transport === 'http' ? String(replica?.port) : '-'}`);
    expect(replica?.standby?.promoted ?? 0).toBeGreaterThanOrEqual(1);
    // What it imported ahead: dependencies, never the server's own files, which may have changed.
    const learned = JSON.parse(
      await readFile(join(dir, '.mcpx/standby/s.json'), 'utf8'),
    ) as string[];
    expect(learned).toContain(pathToFileURL(join(dir, 'lib/capture.mjs')).href);
    expect(learned.some((url) => url.includes('@modelcontextprotocol/sdk'))).toBe(true);
    expect(learned.filter((url) => url.includes('/servers/s/'))).toEqual([]);
  }, 180_000);

  it('still reloads, cold, when the standby was killed before the save', async () => {
    const standby = await readyStandby();
    dev.mark();
    process.kill(standby, 'SIGKILL');
    await dev.waitFor(
      new RegExp(
        `s\\s+\\| the standby \\(pid ${standby}\\) was killed by SIGKILL; the next reload is a cold start`,
      ),
      30_000,
    );
    const started = await saveAndReload('v4');
    const replica = await s();
    expect(replica?.state).toBe('ready');
    expect(replica?.pid).not.toBe(standby);
    expect(started).toContain(`pid=${replica?.pid} `);
    expect(started).toContain('argv=["--flag","one"]');
    expect(started).toContain(`env=from-manifest-${transport}`);
  }, 180_000);

  it('one truncate-then-write save is one reload', async () => {
    await readyStandby();
    const before = dev.mark();
    const handle = await open(file, 'r+');
    try {
      await handle.truncate(0);
      // The fault itself: the write comes 100 ms after the truncate, as some editors do.
      await new Promise((resolve) => setTimeout(resolve, 100));
      await handle.write(serverSource(transport, 'v5'), 0);
    } finally {
      await handle.close();
    }
    await dev.waitFor(/s\s+\| STARTED v5 /, 60_000);
    await dev.waitFor(/s\s+\| reloaded in \d+ ms: tools: ~whoami/, 60_000);
    // A barrier, not a sleep: the watcher reports changes in order, so a second reload of s's
    // save would be announced before b's.
    await writeFile(join(dir, 'servers/b/server.mjs'), serverSource('stdio', 'b2'));
    await dev.waitFor(/b\s+\| reloaded in \d+ ms/, 60_000);
    const lines = dev.lines.slice(before);
    expect(
      lines.filter((line) => /s: files changed/.test(line)),
      lines.join('\n'),
    ).toHaveLength(1);
    expect(
      lines.filter((line) => /s\s+\| reloaded in/.test(line)),
      lines.join('\n'),
    ).toHaveLength(1);
    expect(
      lines.filter((line) => /reload failed/.test(line)),
      lines.join('\n'),
    ).toEqual([]);
  }, 180_000);
});
