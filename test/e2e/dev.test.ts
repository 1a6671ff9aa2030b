/**
 * `mcpx dev` end to end: the built CLI as a child process, real server processes (the example
 * servers and the misbehaving fixtures), a second CLI process for `mcpx logs --follow`, `mcpx status`
 * and `mcpx restart` over the control socket, and checks by pid that nothing outlives the cluster.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/logs/event.js';
import type { ClusterSnapshot } from '../../src/supervisor/state.js';
import { BIN, mcpx, testPath } from '../helpers/cli.js';
import { type DevProcess, startDevProcess } from '../helpers/dev-process.js';
import { INITIALIZE } from '../helpers/initialize.js';
import { isAlive, waitForExit } from '../helpers/processes.js';
import { until } from '../helpers/until.js';
import { readySnapshot } from '../helpers/workspace.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const fixture = (name: string): string => join(REPO, 'test/fixtures', `${name}.ts`);
const started: DevProcess[] = [];
const dirs: string[] = [];

afterAll(async () => {
  // A cluster a test left running (it failed, or ran alone) stops as a user would stop it, so its
  // servers are gone before their folders are removed; SIGKILL only if that does not work.
  for (const dev of started) {
    if (dev.child.exitCode !== null || dev.child.signalCode !== null) continue;
    dev.child.kill('SIGINT');
    if (!(await waitForExit(dev.pid, 15_000))) dev.child.kill('SIGKILL');
  }
  for (const dir of dirs) await rm(dir, { recursive: true, force: true, maxRetries: 5 });
});

/** A workspace in a temp folder whose node_modules is the repo's, so the example servers resolve the SDK. */
async function workspace(servers: Record<string, unknown>, copy: string[] = []): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mcpx-dev-'));
  dirs.push(dir);
  await symlink(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  await cp(join(REPO, 'examples/tsconfig.base.json'), join(dir, 'tsconfig.base.json'));
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'ws', private: true, type: 'module' }),
  );
  for (const name of copy)
    await cp(join(REPO, 'examples/servers', name), join(dir, 'servers', name), { recursive: true });
  await writeFile(join(dir, 'mcpx.json'), JSON.stringify({ mcpServers: servers }, null, 2));
  return dir;
}

/** The bearer token `mcpx dev` gave this run's HTTP servers. */
async function authToken(dir: string): Promise<string> {
  return (await readFile(join(dir, '.mcpx/auth-token'), 'utf8')).trim();
}

function dev(dir: string, args: string[] = []): DevProcess {
  const process = startDevProcess(dir, args);
  started.push(process);
  return process;
}

async function status(dir: string): Promise<ClusterSnapshot> {
  const result = await mcpx(['status', '--json'], { cwd: dir });
  expect(result.exitCode, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as ClusterSnapshot;
}

async function storedEvents(dir: string): Promise<LogEvent[]> {
  const logs = join(dir, '.mcpx/logs');
  const files = (await readdir(logs)).filter((f) => f.endsWith('.jsonl'));
  // Segments oldest first: by number.
  files.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const events: LogEvent[] = [];
  for (const file of files) {
    for (const line of (await readFile(join(logs, file), 'utf8')).split('\n'))
      if (line !== '') events.push(JSON.parse(line) as LogEvent);
  }
  return events;
}

const example = (name: string, entry: Record<string, unknown>): Record<string, unknown> => ({
  command: 'node',
  cwd: `servers/${name}`,
  ...entry,
});

describe('a healthy cluster', () => {
  let dir: string;
  let cluster: DevProcess;
  const FLOOD = 20_000;

  // The cluster starts before the tests, so any one of them also runs alone (`-t`).
  beforeAll(async () => {
    dir = await workspace(
      {
        'text-kit': example('text-kit', { args: ['src/stdio.ts'], role: 'tools' }),
        docs: example('docs', { args: ['src/http.ts'], transport: 'http', role: 'resources' }),
        polluter: {
          command: 'node',
          args: [fixture('stdout-pollution')],
          env: { POLLUTE_MS: '300' },
        },
        flood: {
          command: 'node',
          args: [fixture('stderr-flood')],
          env: { FLOOD_LINES: String(FLOOD) },
        },
      },
      ['text-kit', 'docs'],
    );
    cluster = dev(dir);
    await cluster.waitFor(
      /mcpx\s+\| watching mcpx.json and the files of text-kit, docs for changes/,
      60_000,
    );
  });

  it('starts every server and reports each ready', async () => {
    await cluster.waitFor(/mcpx\s+\| 4 of 4 servers ready in \d+ ms/);
    expect(
      await cluster.waitFor(
        /text-kit\s+\| ready in \d+ ms \(pid \d+\): 3 tools, 0 resources, 0 prompts/,
      ),
    ).toBeTruthy();
    expect(
      await cluster.waitFor(
        /docs\s+\| ready in \d+ ms \(pid \d+, port \d+\): 0 tools, \d+ resources/,
      ),
    ).toBeTruthy();
    const snapshot = await status(dir);
    expect(snapshot.replicas.map((r) => [r.server, r.state])).toEqual([
      ['text-kit', 'ready'],
      ['docs', 'ready'],
      ['polluter', 'ready'],
      ['flood', 'ready'],
    ]);
    const table = await mcpx(['status'], { cwd: dir });
    expect(table.stdout).toMatch(/text-kit\s+ready\s+\d+/);
  });

  it('reports stdout pollution, naming the server, the line and the fix', async () => {
    const line = await cluster.waitFor(/polluter\s+\| wrote to stdout/);
    expect(line).toContain('"debug: cache warmed"');
    expect(line).toContain('Log to stderr instead');
    expect((await status(dir)).replicas.find((r) => r.server === 'polluter')?.state).toBe('ready');
  });

  it('keeps every line of a stderr flood, in order, in the JSONL store', async () => {
    await cluster.waitFor(new RegExp(`flood\\s+\\| DONE ${FLOOD}`), 60_000);
    const lines = (await storedEvents(dir)).filter(
      (e) => e.server === 'flood' && e.msg.startsWith('line '),
    );
    expect(lines).toHaveLength(FLOOD);
    expect(lines.every((e, i) => e.msg.startsWith(`line ${i + 1} `))).toBe(true);
    expect(lines.every((e) => e.stream === 'stderr' && e.level === 'info')).toBe(true);
  });

  it('`mcpx logs --follow` in a second process sees events from every server', async () => {
    const follower = spawn(process.execPath, [BIN, 'logs', '--follow', '--json', '-n', '200000'], {
      cwd: dir,
      env: { ...process.env, PATH: testPath(), NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const seen = new Set<string>();
    let buffer = '';
    const all = new Promise<void>((resolve) => {
      follower.stdout.setEncoding('utf8').on('data', (text: string) => {
        buffer += text;
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) seen.add((JSON.parse(line) as LogEvent).server);
        if (['text-kit', 'docs', 'polluter', 'flood', 'mcpx'].every((s) => seen.has(s))) resolve();
      });
    });
    try {
      await all;
      // New events arrive while following: a restart through the control channel makes some.
      const restarted = await mcpx(['restart', 'text-kit'], { cwd: dir });
      expect(restarted.exitCode, restarted.stderr).toBe(0);
      expect(restarted.stdout).toContain('Restarted text-kit');
    } finally {
      follower.kill('SIGTERM');
      expect(await waitForExit(follower.pid ?? -1, 5000)).toBe(true);
    }
  });

  it('reloads a stdio server on a code change and says what changed in its surface', async () => {
    cluster.mark();
    const added = await mcpx(['new', 'tool', 'sum_numbers', '--server', 'text-kit'], { cwd: dir });
    expect(added.exitCode, added.stderr).toBe(0);
    await cluster.waitFor(/text-kit\s+\| reloaded in \d+ ms: tools: \+sum_numbers/);
    const replica = (await status(dir)).replicas.find((r) => r.server === 'text-kit');
    expect(replica?.counts?.tools).toBe(4);
    expect(replica?.lastReload?.ok).toBe(true);
  });

  it('keeps the old instance serving when the new code fails to start, and says why', async () => {
    const before = (await status(dir)).replicas.find((r) => r.server === 'text-kit');
    const file = join(dir, 'servers/text-kit/src/tools/index.ts');
    const good = await readFile(file, 'utf8');
    cluster.mark();
    await writeFile(file, `${good}\nthrow new Error('broken on purpose');\n`);
    const failed = await cluster.waitFor(
      /text-kit\s+\| reload failed, still serving the previous version: /,
    );
    expect(failed).toContain('broken on purpose');
    const during = (await status(dir)).replicas.find((r) => r.server === 'text-kit');
    expect(during).toMatchObject({ state: 'ready', pid: before?.pid });
    expect(during?.lastReload?.ok).toBe(false);
    cluster.mark();
    await writeFile(file, good);
    await cluster.waitFor(/text-kit\s+\| reloaded in \d+ ms: same tools, resources and prompts/);
  });

  it('a burst of saves ends in one reload of the final files: the half-written first one never reloads', async () => {
    const file = join(dir, 'servers/text-kit/src/tools/index.ts');
    const good = await readFile(file, 'utf8');
    const before = cluster.mark();
    await writeFile(file, good.slice(0, good.length / 2));
    // The burst itself (two saves 15 ms apart, inside the 100 ms debounce), not a wait.
    await new Promise((resolve) => setTimeout(resolve, 15));
    // Not byte for byte what runs now: a save of the running content reloads nothing (one save,
    // one reload), and whether the half-written save was judged before the second depends on timing.
    await writeFile(file, `${good}\n// saved again\n`);
    await cluster.waitFor(/text-kit\s+\| reloaded in \d+ ms: same tools, resources and prompts/);
    // A barrier, not a sleep: a later change to another server. The watcher reports changes in
    // order and debounces every server alike, so a second reload from the burst would be announced
    // before this one.
    await writeFile(join(dir, 'servers/docs/data/barrier.md'), '# Barrier\n');
    await cluster.waitFor(/docs\s+\| reloaded in \d+ ms: resources: \+docs:\/\/barrier/);
    const burst = cluster.lines.slice(before);
    // Usually the debounce folds both saves into one change; on a loaded machine the second save's
    // notice can come after the debounce fired, and then the first start is superseded instead.
    // Either way the half-written file is never reported as a reload, good or failed.
    expect(
      burst.filter((line) => /text-kit: files changed/.test(line)).length,
      burst.join('\n'),
    ).toBeLessThanOrEqual(2);
    expect(
      burst.filter((line) => /text-kit\s+\| reloaded in/.test(line)),
      burst.join('\n'),
    ).toHaveLength(1);
    expect(burst.filter((line) => /reload failed/.test(line))).toEqual([]);
    expect((await status(dir)).replicas.find((r) => r.server === 'text-kit')?.lastReload?.ok).toBe(
      true,
    );
  });

  it('guards its HTTP servers with a bearer token of this run, kept in .mcpx/auth-token', async () => {
    // mcpx's own client sent the token: the server got as far as ready.
    const docs = (await readySnapshot(dir, 4)).replicas.find((r) => r.server === 'docs');
    const token = await authToken(dir);
    expect(token).toMatch(/^[\w-]{43}$/);
    expect((await stat(join(dir, '.mcpx/auth-token'))).mode & 0o777).toBe(0o600);
    const post = (headers: Record<string, string>) =>
      fetch(`http://127.0.0.1:${docs?.port}/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...headers,
        },
        body: JSON.stringify(INITIALIZE),
      });
    const refused = await post({});
    expect(refused.status).toBe(401);
    await refused.body?.cancel();
    const served = await post({ authorization: `Bearer ${token}` });
    expect(served.status).toBe(200);
    await served.body?.cancel();
  });

  it('reloads an HTTP server blue/green and serves the edit on its new port', async () => {
    const before = (await status(dir)).replicas.find((r) => r.server === 'docs');
    cluster.mark();
    await writeFile(
      join(dir, 'servers/docs/data/release-notes.md'),
      '# Release notes\n\nmcpx reloads.\n',
    );
    await cluster.waitFor(/docs\s+\| reloaded in \d+ ms: resources: \+docs:\/\/release-notes/);
    const after = (await status(dir)).replicas.find((r) => r.server === 'docs');
    expect(after?.pid).not.toBe(before?.pid);
    expect(await waitForExit(before?.pid ?? -1, 5000)).toBe(true);
    const client = new Client({ name: 'e2e', version: '0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${after?.port}/mcp`), {
        requestInit: { headers: { Authorization: `Bearer ${await authToken(dir)}` } },
      }),
    );
    try {
      const { contents } = await client.readResource({ uri: 'docs://release-notes' });
      expect(JSON.stringify(contents)).toContain('mcpx reloads.');
    } finally {
      await client.close();
    }
  });

  it('stops every server on SIGINT and exits 0', async () => {
    const pids = (await status(dir)).replicas.map((r) => r.pid ?? -1);
    cluster.child.kill('SIGINT');
    expect((await cluster.exited).code).toBe(0);
    for (const pid of pids) expect(isAlive(pid), `pid ${pid}`).toBe(false);
    await expect(readdir(join(dir, '.mcpx/pids'))).resolves.toEqual([]);
  });
});

describe('a reader that stops early', () => {
  it('`mcpx dev | head` stops every server cleanly and exits 0 once its stdout is closed', async () => {
    const dir = await workspace({
      flood: { command: 'node', args: [fixture('stderr-flood')], env: { FLOOD_LINES: '2000000' } },
    });
    const child = spawn(process.execPath, [BIN, 'dev'], {
      cwd: dir,
      env: { ...process.env, PATH: testPath(), NO_COLOR: '1', FORCE_COLOR: '0', CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      // Like `head -1`: read until the flood is on screen, then close the pipe.
      await new Promise<void>((resolve) => {
        let text = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          text += chunk;
          if (/flood\s+\| line \d+/.test(text)) resolve();
        });
      });
      let pid: number | undefined;
      while (pid === undefined) {
        const replica = (await status(dir)).replicas[0];
        if (replica?.state === 'ready') pid = replica.pid;
      }
      child.stdout.destroy();
      expect(await exited).toBe(0);
      expect(isAlive(pid ?? -1), `pid ${pid}`).toBe(false);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    const events = await storedEvents(dir);
    expect(events.at(-1)).toMatchObject({ server: 'mcpx', msg: 'stopped 1 server' });
    await expect(readdir(join(dir, '.mcpx/pids'))).resolves.toEqual([]);
  });
});

describe('nothing to run', () => {
  it('exits 2 with a hint when the workspace has no servers', async () => {
    const dir = await workspace({});
    const result = await mcpx(['dev'], { cwd: dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('No servers to run in');
    expect(result.stderr).toContain('Try: add one with `mcpx new server`');
  });
});

describe('misbehaving servers', () => {
  // Crash loops, backoff, health checks and reloads are the Replica's, tested with fake instances
  // in test/supervisor/replica.unit.test.ts; this checks the wiring to real processes once.
  it('wiring: a real crash restarts after its backoff, quoting the exit and stderr; shutdown SIGKILLs a server that ignores SIGTERM', async () => {
    const dir = await workspace({
      later: { command: 'node', args: [fixture('crash-later')], env: { CRASH_AFTER_MS: '400' } },
      stubborn: { command: 'node', args: [fixture('ignore-sigterm')] },
    });
    const cluster = dev(dir);
    const crash = await cluster.waitFor(/later\s+\| crashed: .*restarting in \d+ ms/);
    expect(crash).toMatch(
      /crashed: exited with code 1; last stderr: .*ERROR crash-later: lost the connection to the upstream API, exiting; restarting in 250 ms$/,
    );
    await cluster.waitFor(/later\s+\| ready in \d+ ms/, { after: cluster.lines.indexOf(crash) });
    let snapshot: ClusterSnapshot | undefined;
    await until(
      'status to count the restart',
      () => (snapshot?.replicas.find((r) => r.server === 'later')?.restarts ?? 0) >= 1,
      { timeoutMs: 10_000 },
      async () => {
        snapshot = await status(dir);
      },
    );
    const stubborn = snapshot?.replicas.find((r) => r.server === 'stubborn')?.pid ?? -1;
    expect(isAlive(stubborn)).toBe(true);

    cluster.mark();
    cluster.child.kill('SIGTERM');
    await cluster.waitFor(
      /stubborn\s+\| pid \d+ ignored stdin close and SIGTERM; killed it with SIGKILL/,
      15_000,
    );
    expect((await cluster.exited).code).toBe(0);
    expect(isAlive(stubborn)).toBe(false);
  }, 60_000);
});

describe('when mcpx itself is killed', () => {
  it('leaves no process behind: servers see stdin close or their parent go, and the next run reaps the rest', async () => {
    const dir = await workspace({
      good: { command: 'node', args: [fixture('good-stdio')] },
      web: { command: 'node', args: [fixture('good-http')], transport: 'http' },
      stubborn: { command: 'node', args: [fixture('ignore-sigterm')] },
    });
    const first = dev(dir);
    await first.waitFor(/3 of 3 servers ready/);
    const pids = Object.fromEntries(
      (await status(dir)).replicas.map((r) => [r.server, r.pid ?? -1]),
    );
    first.child.kill('SIGKILL');
    await first.exited;
    expect(await waitForExit(pids.good!, 5000), 'stdio server exits on stdin EOF').toBe(true);
    expect(await waitForExit(pids.web!, 5000), 'http server exits when its parent dies').toBe(true);
    expect(isAlive(pids.stubborn!), 'a server that ignores everything is still there').toBe(true);

    const second = dev(dir, ['--no-watch']);
    await second.waitFor(
      new RegExp(
        `stopped 1 process of stubborn \\(pid ${pids.stubborn}\\) left running by an earlier mcpx`,
      ),
    );
    expect(await waitForExit(pids.stubborn!, 5000)).toBe(true);
    await second.waitFor(/3 of 3 servers ready/);
    second.child.kill('SIGINT');
    expect((await second.exited).code).toBe(0);
  }, 60_000);
});
