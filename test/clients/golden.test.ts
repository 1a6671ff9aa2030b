// mcpx config --write for every client and scope under a throwaway HOME: the written file is
// compared with its golden file (test/clients/golden/), read back with the format's real parser
// (jsonc-parser; smol-toml for Codex), keeps the other entries and comments, and a second write
// changes no byte; a broken file is refused and left as it was.
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type ParseError, parse as parseJsonc } from 'jsonc-parser';
import { parse as parseToml } from 'smol-toml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENTS, type ClientId, type PathContext, scopesOf } from '../../src/clients/table.js';
import { McpxError } from '../../src/errors.js';
import { clientConfig } from '../../src/services/config.js';

const NODE = '/opt/node/bin/node';
const BIN = '/opt/mcpx/bin/run.js';
let root: string;
let home: string;
let paths: Omit<PathContext, 'root'>;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mcpx-config-ws-'));
  home = await mkdtemp(join(tmpdir(), 'mcpx-config-home-'));
  paths = { home, platform: 'linux', env: {} };
  await mkdir(join(root, 'servers', 'kit', 'src'), { recursive: true });
  await writeFile(join(root, 'servers', 'kit', 'src', 'stdio.ts'), '');
  await writeFile(
    join(root, 'mcpx.json'),
    JSON.stringify({
      mcpServers: {
        kit: {
          command: 'node',
          args: ['src/stdio.ts'],
          cwd: 'servers/kit',
          env: { KEY: '${KIT_KEY}' },
        },
      },
    }),
  );
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(home, { recursive: true, force: true });
});

/** What each client must find under its root key: its own shape and its own env syntax. */
const TOKEN = 'MCPX_GATEWAY_TOKEN';
const URL_ = 'http://127.0.0.1:7330/mcp';
const connect = (): object => ({ command: NODE, args: [BIN, 'connect', '--dir', root] });
const EXPECTED: Record<ClientId, () => object> = {
  'claude-code': () => ({
    type: 'http',
    url: URL_,
    headers: { Authorization: `Bearer \${${TOKEN}}` },
  }),
  'claude-desktop': connect,
  cursor: () => ({ url: URL_, headers: { Authorization: `Bearer \${env:${TOKEN}}` } }),
  vscode: () => ({
    type: 'http',
    url: URL_,
    headers: { Authorization: `Bearer \${env:${TOKEN}}` },
  }),
  windsurf: () => ({ serverUrl: URL_, headers: { Authorization: `Bearer \${env:${TOKEN}}` } }),
  codex: () => ({ url: URL_, bearer_token_env_var: TOKEN }),
  gemini: () => ({ httpUrl: URL_, headers: { Authorization: `Bearer \${${TOKEN}}` } }),
};

/** A file the user already has: another entry, an unrelated setting, and comments where the format has them. */
function seed(id: ClientId): string {
  const client = CLIENTS[id];
  if (client.format === 'toml') {
    return [
      '# my Codex settings',
      'model = "gpt-5"  # keep this comment',
      '',
      '[mcp_servers.other]',
      'command = "npx"',
      'args = ["-y", "other-server"]',
      '',
      '# profiles come after the servers',
      '[profiles.fast]',
      'model = "o4-mini"',
      '',
    ].join('\n');
  }
  const comment = client.jsonc ? '    // a server I added by hand\n' : '';
  const trailing = client.jsonc ? ',' : '';
  return `{\n  "theme": "dark",\n  "${client.rootKey}": {\n${comment}    "other": { "command": "npx", "args": ["-y", "other-server"] }${trailing}\n  }\n}\n`;
}

/** The file with this run's folders replaced, so the golden file is the same on every machine. */
function normalised(text: string): string {
  return text.replaceAll(root, '<ROOT>').replaceAll(home, '<HOME>');
}

function parsed(id: ClientId, text: string): Record<string, Record<string, unknown>> {
  if (CLIENTS[id].format === 'toml')
    return parseToml(text) as Record<string, Record<string, unknown>>;
  const errors: ParseError[] = [];
  const value = parseJsonc(text, errors, {
    disallowComments: !CLIENTS[id].jsonc,
    allowTrailingComma: CLIENTS[id].jsonc,
  }) as Record<string, Record<string, unknown>>;
  expect(errors).toEqual([]);
  return value;
}

const cases = Object.values(CLIENTS).flatMap((client) =>
  scopesOf(client).map((scope) => ({ id: client.id, scope })),
);

describe.each(cases)('mcpx config $id --scope $scope --write', ({ id, scope }) => {
  const client = CLIENTS[id];
  const options = () => ({
    dir: root,
    client: id,
    via: 'gateway' as const,
    scope,
    write: true,
    name: 'mcpx',
    mcpx: { node: NODE, bin: BIN },
    paths,
  });
  const fileOf = (): string =>
    (client.files[scope] as (c: PathContext) => string)({ ...paths, root });

  it('writes the golden file, keeps the rest, and a second write changes nothing', async () => {
    const file = fileOf();
    await mkdir(dirname(file), { recursive: true });
    const before = seed(id);
    await writeFile(file, before);

    const first = await clientConfig(options());
    expect(first).toMatchObject({ file, written: true, changed: true, backup: `${file}.bak` });
    const text = await readFile(file, 'utf8');
    const ext = client.format === 'toml' ? 'toml' : 'json';
    await expect(normalised(text)).toMatchFileSnapshot(`golden/${id}.${scope}.${ext}`);

    const value = parsed(id, text);
    expect(value[client.rootKey]?.mcpx).toEqual(EXPECTED[id]());
    expect(value[client.rootKey]?.other).toEqual({ command: 'npx', args: ['-y', 'other-server'] });
    if (client.format === 'toml') {
      expect(text).toContain('model = "gpt-5"  # keep this comment');
      expect(text).toContain('# profiles come after the servers\n[profiles.fast]');
    } else {
      expect(value.theme).toBe('dark');
      if (client.jsonc) expect(text).toContain('// a server I added by hand');
    }
    // Nothing of the old file was lost: it is the new file minus the entry, byte for byte.
    expect(await readFile(`${file}.bak`, 'utf8')).toBe(before);
    // Never the token itself in the file.
    expect(text).not.toMatch(/Bearer [A-Za-z0-9_-]{20,}/);

    const backupTime = (await stat(`${file}.bak`)).mtimeMs;
    const second = await clientConfig(options());
    expect(second).toMatchObject({ written: true, changed: false });
    expect(await readFile(file, 'utf8')).toBe(text);
    expect((await stat(`${file}.bak`)).mtimeMs).toBe(backupTime);
  });

  it('refuses a broken file with its line and column, and leaves it as it was', async () => {
    const file = fileOf();
    await mkdir(dirname(file), { recursive: true });
    await rm(`${file}.bak`, { force: true });
    const broken =
      client.format === 'toml'
        ? 'model = "gpt-5"\n[mcp_servers.other]\nargs = ["-y" "other-server"]\n'
        : `{\n  "${client.rootKey}": {\n    "other": { "command": "npx" }\n    "next": {}\n  }\n}\n`;
    await writeFile(file, broken);
    const error = await clientConfig(options()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(McpxError);
    expect((error as McpxError).exitCode).toBe(2);
    expect((error as McpxError).message).toContain(
      client.format === 'toml' ? `${file}:3:14: expected comma` : `${file}:4:5: expected ","`,
    );
    expect(await readFile(file, 'utf8')).toBe(broken);
    await expect(stat(`${file}.bak`)).rejects.toThrow(/ENOENT/);
  });
});

describe('mcpx config <client> --via direct --write (a fresh file)', () => {
  it.each(['claude-code', 'codex', 'claude-desktop'] as const)('%s', async (id) => {
    const client = CLIENTS[id];
    const scope = scopesOf(client).at(-1) ?? 'user';
    const file = (client.files[scope] as (c: PathContext) => string)({ ...paths, root });
    await rm(file, { force: true });
    const result = await clientConfig({
      dir: root,
      client: id,
      via: 'direct',
      scope,
      write: true,
      name: 'mcpx',
      mcpx: { node: NODE, bin: BIN },
      paths,
    });
    expect(result).toMatchObject({ written: true, changed: true, backup: undefined });
    const text = await readFile(file, 'utf8');
    await expect(normalised(text)).toMatchFileSnapshot(
      `golden/direct.${id}.${client.format === 'toml' ? 'toml' : 'json'}`,
    );
    const kit = parsed(id, text)[client.rootKey]?.kit as Record<string, unknown>;
    // The Node that runs mcpx (scaffolded servers are TypeScript), and a folder the client can
    // find from its own working directory.
    expect(kit.command).toBe(NODE);
    if (client.cwd) {
      expect(kit).toMatchObject({ args: ['src/stdio.ts'], cwd: join(root, 'servers', 'kit') });
    } else {
      expect(kit.args).toEqual([join(root, 'servers', 'kit', 'src', 'stdio.ts')]);
    }
    const warnings = result.warnings.join('\n');
    expect(warnings).toContain('live reload, restarts, health checks');
    if (id === 'claude-code') expect(kit.env).toEqual({ KEY: '${KIT_KEY}' });
    else {
      // Neither expands variables in its file: the reference is left out, and said.
      expect(kit.env).toBeUndefined();
      expect(warnings).toContain('these environment variables were left out: KEY');
    }
  });
});
