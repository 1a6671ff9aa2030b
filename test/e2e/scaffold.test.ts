/**
 * End to end: the built CLI in a temp folder, as a user runs it. init, `new server` for every role
 * and transport, a real npm install, tsc, each server's own tests, and an SDK Client talking to every
 * server over stdio and Streamable HTTP. Then bad input, each of which must leave the workspace
 * byte-for-byte as it was.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { execa } from 'execa';
import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpx, testPath } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { snapshotTree } from '../helpers/tree.js';

const ROLES = ['tools', 'resources', 'prompts'] as const;
const TRANSPORTS = ['stdio', 'http'] as const;
const SERVERS = ROLES.flatMap((role) =>
  TRANSPORTS.map((transport) => ({ name: `${role}-${transport}`, role, transport })),
);

let base: string;
let ws: string;
const env = (): Record<string, string> => ({ PATH: testPath(), NO_COLOR: '1', FORCE_COLOR: '0' });

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'mcpx-e2e-'));
  ws = join(base, 'ws');
  const init = await mcpx(['init', 'ws'], { cwd: base });
  expect(init.exitCode, init.stderr).toBe(0);
  // The first server goes through the whole command: render, register, npm install, typecheck.
  const first = SERVERS[0]!;
  const created = await mcpx(
    ['new', 'server', first.name, '--role', first.role, '--transport', first.transport],
    { cwd: ws },
  );
  expect(created.exitCode, `${created.stdout}\n${created.stderr}`).toBe(0);
  for (const server of SERVERS.slice(1)) {
    const result = await mcpx(
      [
        'new',
        'server',
        server.name,
        '-r',
        server.role,
        '-t',
        server.transport,
        '--no-install',
        '--json',
      ],
      { cwd: ws },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      name: server.name,
      role: server.role,
      transport: server.transport,
    });
  }
  const install = await execa('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: ws,
    env: env(),
    reject: false,
  });
  expect(install.exitCode, install.stderr).toBe(0);
}, 600_000);

afterAll(async () => {
  if (base !== undefined) await rm(base, { recursive: true, force: true });
});

describe('a scaffolded workspace', () => {
  it('init wrote the workspace files and new server registered every server', async () => {
    const manifest = JSON.parse(await readFile(join(ws, 'mcpx.json'), 'utf8'));
    expect(Object.keys(manifest.mcpServers)).toEqual(SERVERS.map((s) => s.name));
    expect(manifest.mcpServers['tools-http']).toEqual({
      command: 'node',
      args: ['src/http.ts'],
      cwd: 'servers/tools-http',
      description: expect.any(String),
      role: 'tools',
      transport: 'http',
    });
    const pkg = JSON.parse(await readFile(join(ws, 'servers/prompts-stdio/package.json'), 'utf8'));
    expect(pkg.name).toBe('@ws/prompts-stdio');
    const list = await mcpx(['list', '--json'], { cwd: join(ws, 'servers') });
    expect(JSON.parse(list.stdout).servers).toHaveLength(SERVERS.length);
  });

  it('typechecks every server with tsc --noEmit', async () => {
    for (const server of SERVERS) {
      const tsc = await execa(
        join(ws, 'node_modules/.bin/tsc'),
        ['-p', `servers/${server.name}`, '--noEmit'],
        {
          cwd: ws,
          env: env(),
          reject: false,
        },
      );
      expect(tsc.exitCode, `${server.name}: ${tsc.stdout}`).toBe(0);
    }
  }, 120_000);

  it("passes each server's own vitest suite", async () => {
    // The workspace's own `npm test`: each workspace package's tests, where it has some (the
    // shared runtime in packages/mcp-runtime is tested in mcpx's repository).
    const test = await execa('npm', ['test'], {
      cwd: ws,
      env: env(),
      reject: false,
    });
    expect(test.exitCode, test.stdout + test.stderr).toBe(0);
    expect(stripVTControlCharacters(test.stdout).match(/Test Files {2}\d+ passed/g)).toHaveLength(
      SERVERS.length,
    );
  }, 180_000);

  it.each(SERVERS)('serves $name to an SDK Client over $transport', async (server) => {
    const cwd = join(ws, 'servers', server.name);
    const client = new Client({ name: 'mcpx-e2e', version: '0.0.0' });
    let child: ReturnType<typeof spawn> | undefined;
    if (server.transport === 'stdio') {
      await client.connect(
        new StdioClientTransport({
          command: process.execPath,
          args: ['src/stdio.ts'],
          cwd,
          stderr: 'pipe',
        }),
      );
    } else {
      const port = await freePort();
      child = spawn(process.execPath, ['src/http.ts'], {
        cwd,
        env: { PATH: testPath(), PORT: String(port) },
        stdio: ['pipe', 'ignore', 'pipe'],
      });
      await waitForHealth(port);
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)),
      );
    }
    try {
      expect(client.getServerVersion()?.name).toBe(server.name);
      await exercise(client, server.role);
    } finally {
      await client.close();
      if (child !== undefined) await stop(child);
    }
  });

  it('adds a tool, a resource and a prompt that the servers then serve', async () => {
    const added = [
      await mcpx(['new', 'tool', 'sum_numbers', '--server', 'tools-stdio'], { cwd: ws }),
      await mcpx(['new', 'resource', 'release-notes', '--server', 'resources-stdio'], { cwd: ws }),
      await mcpx(['new', 'prompt', 'plan_trip', '--server', 'prompts-stdio'], { cwd: ws }),
      // resources allows read-only tools: the first tool of that server creates src/tools/ and wires it in.
      await mcpx(['new', 'tool', 'sum_numbers', '--server', 'resources-stdio'], { cwd: ws }),
    ];
    for (const result of added) expect(result.exitCode, result.stderr).toBe(0);
    expect(added[3]!.stdout).toContain('created  servers/resources-stdio/src/tools/index.ts');
    expect(added[3]!.stdout).toContain('changed  servers/resources-stdio/src/server.ts');

    for (const name of ['tools-stdio', 'resources-stdio', 'prompts-stdio']) {
      const tsc = await execa(
        join(ws, 'node_modules/.bin/tsc'),
        ['-p', `servers/${name}`, '--noEmit'],
        { cwd: ws, env: env(), reject: false },
      );
      expect(tsc.exitCode, tsc.stdout).toBe(0);
    }
    const client = new Client({ name: 'mcpx-e2e', version: '0.0.0' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: ['src/stdio.ts'],
        cwd: join(ws, 'servers/resources-stdio'),
        stderr: 'pipe',
      }),
    );
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(['sum_numbers']);
      expect(tools[0]!.annotations?.readOnlyHint).toBe(true);
      const result = await client.callTool({
        name: 'sum_numbers',
        arguments: { values: [1, 2, 3] },
      });
      expect(result.structuredContent).toMatchObject({ count: 3, sum: 6 });
      const { resources } = await client.listResources();
      expect(resources.map((r) => [r.name, r.uri])).toContainEqual([
        'release_notes',
        'mcpx://release-notes',
      ]);
    } finally {
      await client.close();
    }
  }, 60_000);

  it('adds a primitive without --server to the server whose folder it runs in', async () => {
    const here = await mcpx(['new', 'resource', 'from-folder', '--json'], {
      cwd: join(ws, 'servers/resources-http/src'),
    });
    expect(here.exitCode, here.stderr).toBe(0);
    expect(JSON.parse(here.stdout)).toMatchObject({
      kind: 'resources',
      server: 'resources-http',
      created: ['servers/resources-http/src/resources/from-folder.ts'],
    });
    // The folder's server is the answer even where its role refuses the kind: never another one.
    const refused = await mcpx(['new', 'resource', 'misplaced', '--yes'], {
      cwd: join(ws, 'servers/prompts-http'),
    });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/Server "prompts-http" has role "prompts"/);
  });
});

describe('bad input', () => {
  const cases: [string, string[], RegExp][] = [
    [
      'an invalid name',
      ['new', 'server', 'Bad_Name', '-r', 'tools', '-t', 'stdio'],
      /"Bad_Name" is not a valid server name: it has uppercase letters/,
    ],
    [
      'a name with a path',
      ['new', 'server', '../evil', '-r', 'tools', '-t', 'stdio'],
      /not a valid server name: it contains a path separator/,
    ],
    ['a name with "__"', ['new', 'server', 'a__b', '-r', 'tools', '-t', 'stdio'], /contains "__"/],
    [
      'a duplicate name',
      ['new', 'server', 'tools-stdio', '-r', 'tools', '-t', 'stdio'],
      /A server named "tools-stdio" is already in/,
    ],
    [
      'an existing folder',
      ['new', 'server', 'taken', '-r', 'tools', '-t', 'stdio'],
      /servers\/taken already exists; mcpx never overwrites a folder/,
    ],
    [
      'an unknown role',
      ['new', 'server', 'fresh', '-r', 'tool', '-t', 'stdio'],
      /Unknown role "tool"[\s\S]*Try: use one of tools, resources, prompts/,
    ],
    [
      'an unknown transport',
      ['new', 'server', 'fresh', '-r', 'tools', '-t', 'ftp'],
      /^Error: --transport does not take "ftp": it is one of stdio, http\.\nTry: e\.g\. `mcpx new server --transport stdio`/,
    ],
    [
      'the deprecated SSE transport',
      ['new', 'server', 'fresh', '-r', 'tools', '-t', 'sse'],
      /^Error: mcpx does not scaffold SSE servers: the HTTP\+SSE transport \(protocol 2024-11-05\) is deprecated since 2025-03-26, replaced by Streamable HTTP\.\nTry: `mcpx new server <name> --transport http`; clients that speak only SSE reach it/,
    ],
    [
      'a primitive the role forbids',
      ['new', 'tool', 'do_it', '--server', 'prompts-stdio'],
      /role "prompts", which allows prompts, not tools/,
    ],
    [
      'a resource in a tools server',
      ['new', 'resource', 'data', '--server', 'tools-http'],
      /role "tools", which allows tools, not resources/,
    ],
    ['an unknown server', ['new', 'prompt', 'p', '--server', 'nope'], /No server named "nope"/],
    [
      'an existing primitive',
      ['new', 'tool', 'count_words', '--server', 'tools-http'],
      /already has a tool named "count_words"|count-words\.ts already exists/,
    ],
    [
      'a tool without --server where several servers take tools, without a TTY',
      ['new', 'tool', 'do_it'],
      /^Error: Missing --server <tools-stdio\|tools-http\|resources-stdio\|resources-http>; mcpx does not prompt here \(stdin is not a terminal\)\.\nTry: pass --server </,
    ],
    [
      'a prompt without --server where several servers take prompts, with --yes',
      ['new', 'prompt', 'plan', '--yes'],
      /^Error: Missing --server: prompts-stdio, prompts-http can each take a prompt, and --yes does not choose\.\nTry: pass --server <prompts-stdio\|prompts-http>/,
    ],
    [
      'no name without a TTY',
      ['new', 'server', '-r', 'tools', '-t', 'stdio'],
      /Missing the server name, as in `mcpx new server <name>`; mcpx does not prompt here/,
    ],
    [
      'no role without a TTY',
      ['new', 'server', 'fresh', '-t', 'stdio'],
      /Missing --role <tools\|resources\|prompts>/,
    ],
    ['init into a workspace', ['init', '.'], /is not empty/],
  ];

  let before: Record<string, string>;
  beforeAll(async () => {
    await mkdir(join(ws, 'servers', 'taken'));
    before = await snapshotTree(ws);
  });

  it.each(cases)(
    'refuses %s with exit 2 and a clear error, changing nothing',
    async (_, args, message) => {
      const result = await mcpx(args, { cwd: ws, env: { CI: undefined } });
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stdout).toBe('');
      expect(await snapshotTree(ws)).toEqual(before);
    },
  );

  it('prints a located error for a broken manifest and changes nothing', async () => {
    const broken = join(base, 'broken');
    await mkdir(broken);
    await cp(join(ws, 'package.json'), join(broken, 'package.json'));
    await writeFile(
      join(broken, 'mcpx.json'),
      '{\n  "mcpServers": {\n    "web": { "comand": "node", "transport": "grpc" }\n  }\n}\n',
    );
    const snapshot = await snapshotTree(broken);
    const result = await mcpx(['new', 'server', 'ok', '-r', 'tools', '-t', 'stdio'], {
      cwd: broken,
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('mcpx.json has 2 problems:');
    expect(result.stderr).toContain(
      'mcpx.json:3:14  mcpServers.web.comand: unknown field "comand"; did you mean "command"?',
    );
    expect(result.stderr).toContain(
      'mcpx.json:3:45  mcpServers.web.transport: expected "stdio", "http", "streamableHttp" or "sse", found string "grpc"',
    );
    expect(result.stderr).toContain('Try: fix the fields named above');
    expect(await snapshotTree(broken)).toEqual(snapshot);

    await writeFile(
      join(broken, 'mcpx.json'),
      '{\n  "mcpServers": {\n    "web": {"command": "x"},\n  }\n}\n',
    );
    const json = await mcpx(['list'], { cwd: broken });
    expect(json.exitCode).toBe(2);
    expect(json.stderr).toContain(
      'mcpx.json:4:3  invalid JSON: expected a property name in double quotes',
    );
  });

  it('undoes everything when a late step fails: no folder, no manifest entry, no lockfile change', async () => {
    // A workspace whose shared tsconfig is broken: npm install succeeds (and records the new
    // package in package-lock.json), then the typecheck fails for real.
    const tsconfig = join(ws, 'tsconfig.base.json');
    const good = await readFile(tsconfig, 'utf8');
    await writeFile(tsconfig, good.replace('"strict": true', '"strict": "yes"'));
    try {
      const snapshot = await snapshotTree(ws);
      const result = await mcpx(['new', 'server', 'late-fail', '-r', 'tools', '-t', 'stdio'], {
        cwd: ws,
      });
      expect(result.exitCode, result.stderr).toBe(1);
      expect(result.stderr).toMatch(/tsc -p servers\/late-fail --noEmit` failed/);
      expect(result.stderr).toContain("Compiler option 'strict' requires a value of type boolean");
      expect(await snapshotTree(ws)).toEqual(snapshot);
      await expect(readFile(join(ws, 'node_modules/@ws/late-fail/package.json'))).rejects.toThrow(
        /ENOENT/,
      );
    } finally {
      await writeFile(tsconfig, good);
    }
  }, 180_000);
});

async function exercise(client: Client, role: (typeof ROLES)[number]): Promise<void> {
  const capabilities = client.getServerCapabilities();
  expect(capabilities?.logging).toBeDefined();
  if (role === 'tools') {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['convert_units', 'count_words', 'hash_text']);
    const result = await client.callTool({
      name: 'count_words',
      arguments: { text: 'one two three' },
    });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ words: 3 });
    const hash = await client.callTool({
      name: 'hash_text',
      arguments: { text: 'abc', algorithm: 'sha256' },
    });
    expect(JSON.stringify(hash.content)).toContain(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  } else if (role === 'resources') {
    expect(capabilities?.tools).toBeUndefined();
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toContain('docs://index');
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toEqual(['docs://{slug}']);
    const doc = await client.readResource({ uri: 'docs://glossary' });
    expect(JSON.stringify(doc.contents)).toContain('text/markdown');
  } else {
    expect(capabilities?.tools).toBeUndefined();
    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => p.name).sort()).toEqual(['review_code', 'summarize']);
    const prompt = await client.getPrompt({
      name: 'summarize',
      arguments: { text: 'MCP servers split work by role.' },
    });
    expect(JSON.stringify(prompt.messages)).toContain('MCP servers split work by role.');
  }
  await client.ping();
}

async function waitForHealth(port: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no /healthz on port ${port} after 15 s`);
}

/** Stops a child we started, by its pid: SIGTERM, then SIGKILL if it lingers. */
async function stop(child: ReturnType<typeof spawn>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
