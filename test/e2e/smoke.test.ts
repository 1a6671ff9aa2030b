/**
 * `mcpx smoke` end to end: the built CLI on the example workspace (all pass), on workspaces whose one
 * server breaks one check each (exit 1, naming the check and the reason), on servers that cannot
 * start (exit 4), on a broken manifest (exit 2), and on a real third-party server from npm.
 */
import { execa } from 'execa';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { SmokeReport } from '../../src/smoke/types.js';
import { mcpx, testPath } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLES = join(REPO, 'examples');
const fixture = (name: string): string => join(REPO, 'test/fixtures', `${name}.ts`);
const dirs: string[] = [];

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function workspace(manifest: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mcpx-smoke-'));
  dirs.push(dir);
  await symlink(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  await writeFile(join(dir, 'mcpx.json'), JSON.stringify(manifest, null, 2));
  return dir;
}

/** The one line of a check in the human report, e.g. "  ✖ ping   3 ms  ..." */
function checkLine(stdout: string, check: string): string {
  const line = stdout.split('\n').find((l) => new RegExp(`^ {2}\\S ${check} `).test(l));
  if (line === undefined) throw new Error(`no "${check}" line in:\n${stdout}`);
  return line;
}

describe('the example workspace', () => {
  it('passes every check, prints a summary line, and writes JUnit XML', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mcpx-smoke-junit-'));
    dirs.push(dir);
    const junit = join(dir, 'smoke.xml');
    const result = await mcpx(['smoke', '--reporter', 'junit', '--output', junit], {
      cwd: EXAMPLES,
    });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /^text-kit \(role tools, stdio\): text-kit 0\.1\.0, protocol 2025-11-25$/m,
    );
    expect(checkLine(result.stdout, 'example calls')).toContain('3 of 3 cases passed');
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('26 passed, 0 failed, 1 skipped');
    const xml = await readFile(junit, 'utf8');
    expect(xml).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="mcpx smoke" tests="27" failures="0" skipped="1"/,
    );
    expect(xml).toContain('<testsuite name="docs" tests="9" failures="0" skipped="1"');
    expect(xml).toContain('<testcase classname="mcpx.smoke.writing" name="ping"');
  });

  it('--json prints one result object, its checks in the order they run', async () => {
    const result = await mcpx(['smoke', '--json', '--server', 'writing'], { cwd: EXAMPLES });
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout) as SmokeReport;
    expect(report.servers.map((s) => s.server)).toEqual(['writing']);
    expect(report.servers[0]?.checks.map((c) => [c.name, c.status])).toEqual([
      ['start', 'pass'],
      ['capabilities', 'pass'],
      ['role', 'pass'],
      ['names and schemas', 'pass'],
      ['ping', 'pass'],
      ['example calls', 'pass'],
      ['surface snapshot', 'pass'],
      ['clean stdout', 'pass'],
      ['stop', 'pass'],
    ]);
    expect(report).toMatchObject({ exitCode: 0, failed: 0 });
  });
});

describe('each check fails on the server that breaks it', () => {
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    [
      'capabilities',
      { command: 'node', args: [fixture('smoke/broken-list')] },
      'capabilities',
      /tools\/list: MCP error -32603: database unavailable/,
    ],
    [
      'role (primitives)',
      { command: 'node', args: [fixture('good-stdio')], role: 'prompts' },
      'role',
      /exposes tools \(echo, add\), which role "prompts" does not allow/,
    ],
    [
      'names and schemas',
      { command: 'node', args: [fixture('smoke/bad-tools')] },
      'names and schemas',
      /tool name "search web" does not match/,
    ],
    [
      'clean stdout',
      { command: 'node', args: [fixture('stdout-pollution')], env: { POLLUTE_MS: '50' } },
      'clean stdout',
      /non-JSON-RPC line\(s\) on stdout; log to stderr instead/,
    ],
    [
      'ping',
      { command: 'node', args: [fixture('smoke/no-ping')] },
      'ping',
      /MCP error -32601: Method not found/,
    ],
    [
      'example calls',
      {
        command: 'node',
        args: [fixture('smoke/surface')],
        smoke: {
          cases: [
            { tool: 'echo', arguments: { text: 'hi' }, expect: { text: 'hi' } },
            {
              name: 'wrong echo',
              tool: 'echo',
              arguments: { text: 'hi' },
              expect: { structured: { text: 'bye' } },
            },
            { tool: 'wrong_output' },
          ],
        },
      },
      'example calls',
      /2 of 3 cases failed/,
    ],
    [
      'stop',
      { command: 'node', args: [fixture('smoke/slow-stop')], smoke: { stopTimeout: 600 } },
      'stop',
      /did not exit within 600 ms of stdin closing and SIGTERM; killed it/,
    ],
  ];

  it.each(cases)(
    '%s',
    async (_, entry, check, reason) => {
      const dir = await workspace({ mcpServers: { bad: entry } });
      const result = await mcpx(['smoke'], { cwd: dir });
      expect(result.exitCode, result.stdout + result.stderr).toBe(1);
      const line = checkLine(result.stdout, check);
      expect(line).toMatch(/^ {2}✖ /);
      expect(result.stdout).toMatch(reason);
      expect(result.stdout.trimEnd().split('\n').at(-1)).toMatch(
        /^\d+ passed, [1-9]\d* failed, \d+ skipped$/,
      );
      // Only the broken check fails.
      expect(result.stdout.match(/^ {2}✖ /gm)).toHaveLength(1);
    },
    30_000,
  );

  it('example calls: names each failed case and why', async () => {
    const dir = await workspace({ mcpServers: { bad: cases[5]![1] } });
    const { stdout } = await mcpx(['smoke'], { cwd: dir });
    expect(stdout).toContain('wrong echo: structuredContent.text: expected "bye", got "hi"');
    expect(stdout).toMatch(
      /tool wrong_output: failed: MCP error -32602: Structured content does not match the tool's output schema/,
    );
  });

  it('surface snapshot: --update records it, a breaking change fails with a diff, additions pass', async () => {
    const entry = (surface: string): Record<string, unknown> => ({
      mcpServers: {
        api: { command: 'node', args: [fixture('smoke/surface')], env: { SURFACE: surface } },
      },
    });
    const dir = await workspace(entry('v1'));
    const update = await mcpx(['smoke', '--update'], { cwd: dir });
    expect(update.exitCode, update.stdout).toBe(0);
    const snapshot = await readFile(join(dir, 'mcpx.snapshot.json'), 'utf8');
    expect(Object.keys(JSON.parse(snapshot).servers.api.tools)).toEqual([
      'add',
      'echo',
      'wrong_output',
    ]);
    // Stable: a second --update writes the same bytes.
    await mcpx(['smoke', '--update'], { cwd: dir });
    expect(await readFile(join(dir, 'mcpx.snapshot.json'), 'utf8')).toBe(snapshot);

    await writeFile(join(dir, 'mcpx.json'), JSON.stringify(entry('v2')));
    const breaking = await mcpx(['smoke'], { cwd: dir });
    expect(breaking.exitCode).toBe(1);
    expect(checkLine(breaking.stdout, 'surface snapshot')).toContain(
      '4 breaking changes against the snapshot',
    );
    for (const line of [
      '- tool add removed',
      '- tool echo: new required input "lang"',
      '- tool echo: output "text" type string -> number',
      '- prompt greet: new required argument "tone"',
      '+ tool multiply added',
    ]) {
      expect(breaking.stdout).toContain(line);
    }

    await writeFile(join(dir, 'mcpx.json'), JSON.stringify(entry('v3')));
    const additive = await mcpx(['smoke'], { cwd: dir });
    expect(additive.exitCode, additive.stdout).toBe(0);
    expect(checkLine(additive.stdout, 'surface snapshot')).toContain('compatible; 2 additions');
    expect(additive.stdout).toContain('+ tool echo: new optional input "prefix"');
  }, 60_000);
});

describe('servers that cannot start, and bad input', () => {
  it('exits 4 when a server does not initialize, with its stderr', async () => {
    const dir = await workspace({
      mcpServers: {
        silent: {
          command: 'node',
          args: [fixture('smoke/not-mcp')],
          smoke: { startTimeout: 1000 },
        },
        crasher: { command: 'node', args: [fixture('crash-at-start')] },
      },
    });
    const result = await mcpx(['smoke'], { cwd: dir });
    expect(result.exitCode).toBe(4);
    expect(result.stdout).toMatch(/✖ start .*did not complete initialize within 1000 ms/);
    expect(result.stdout).toContain('exited with code 3 before it was ready');
    expect(result.stdout).toContain('ERROR cannot open database: ENOENT /nope');
    expect(result.stdout).toMatch(/- capabilities\s+the server did not start/);
  }, 30_000);

  it('exits 2 for a broken manifest, an unknown server, and --reporter junit without --output', async () => {
    const dir = await workspace({ mcpServers: { a: { comand: 'node' } } });
    const broken = await mcpx(['smoke'], { cwd: dir });
    expect(broken.exitCode).toBe(2);
    expect(broken.stderr).toContain('unknown field "comand"; did you mean "command"?');
    const unknown = await mcpx(['smoke', '--server', 'nope'], { cwd: EXAMPLES });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('No server named "nope"');
    const junit = await mcpx(['smoke', '--reporter', 'junit'], { cwd: EXAMPLES });
    expect(junit.exitCode).toBe(2);
    expect(junit.stderr).toContain('--reporter junit needs --output FILE');
  });
});

describe('a server given by url', () => {
  it('checks a running HTTP server that mcpx did not start, and leaves it running', async () => {
    const port = await freePort();
    const server = spawn(process.execPath, [fixture('good-http')], {
      env: { PATH: testPath(), PORT: String(port) },
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    try {
      const ready = new Promise<void>((resolve) =>
        server.stderr.setEncoding('utf8').on('data', (text: string) => {
          if (text.includes('listening')) resolve();
        }),
      );
      await ready;
      const dir = await workspace({
        mcpServers: { remote: { url: `http://127.0.0.1:${port}/mcp` } },
      });
      const result = await mcpx(['smoke'], { cwd: dir });
      expect(result.exitCode, result.stdout).toBe(0);
      expect(result.stdout).toMatch(
        /^remote \(no role, http\): good-http 1, protocol 2025-11-25$/m,
      );
      expect(checkLine(result.stdout, 'stop')).toContain('a remote server: mcpx does not stop it');
      expect(server.exitCode).toBeNull();
    } finally {
      server.kill('SIGTERM');
      await new Promise((resolve) => server.once('exit', resolve));
    }
  });
});

describe('a third-party server from npm', () => {
  it('checks @modelcontextprotocol/server-memory listed by command', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mcpx-smoke-npm-'));
    dirs.push(dir);
    const install = await execa(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefix',
        dir,
        '@modelcontextprotocol/server-memory',
      ],
      {
        env: { PATH: testPath() },
        reject: false,
      },
    );
    expect(install.exitCode, install.stderr).toBe(0);
    const manifest = (role: string): string =>
      JSON.stringify({
        // A custom role: the memory server keeps a knowledge graph (tools) and exposes it (a resource).
        roles: { knowledge: { primitives: ['tools', 'resources'] } },
        mcpServers: {
          memory: {
            // As a user lists an npm package: npx finds the one the workspace installed.
            command: 'npx',
            args: ['--no-install', 'mcp-server-memory'],
            role,
            env: { MEMORY_FILE_PATH: join(dir, 'memory.jsonl') },
            smoke: {
              cases: [
                {
                  tool: 'create_entities',
                  arguments: {
                    entities: [
                      {
                        name: 'mcpx',
                        entityType: 'tool',
                        observations: ['smoke-tests MCP servers'],
                      },
                    ],
                  },
                },
                {
                  tool: 'search_nodes',
                  arguments: { query: 'mcpx' },
                  expect: { text: 'smoke-tests MCP servers' },
                },
              ],
            },
          },
        },
      });
    await writeFile(join(dir, 'mcpx.json'), manifest('knowledge'));
    const result = await mcpx(['smoke'], { cwd: dir });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/memory \(role knowledge, stdio\): memory-server \S+, protocol/);
    expect(checkLine(result.stdout, 'example calls')).toContain('2 of 2 cases passed');

    // Under the read-only "resources" role, its writing tools fail the role check.
    await writeFile(join(dir, 'mcpx.json'), manifest('resources'));
    const readOnly = await mcpx(['smoke'], { cwd: dir });
    expect(readOnly.exitCode).toBe(1);
    expect(checkLine(readOnly.stdout, 'role')).toMatch(
      /✖ role .*role "resources" needs read-only tools; not annotated readOnlyHint: true: .*create_entities/,
    );
  }, 180_000);
});
