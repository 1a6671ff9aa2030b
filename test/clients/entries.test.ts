// What goes into an entry besides the defaults: the manifest's gateway port and auth, and the
// choices mcpx config refuses (a scope the client lacks, a name clients do not accept).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { McpxError } from '../../src/errors.js';
import { type ConfigOptions, clientConfig, listClientFiles } from '../../src/services/config.js';

let root: string;
let home: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mcpx-config-entries-'));
  home = await mkdtemp(join(tmpdir(), 'mcpx-config-home-'));
  await writeFile(
    join(root, 'mcpx.json'),
    JSON.stringify({
      gateway: { port: 7444, auth: false },
      mcpServers: { kit: { command: 'node', args: ['kit.js'] } },
    }),
  );
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(home, { recursive: true, force: true });
});

const options = (more: Partial<ConfigOptions>): ConfigOptions => ({
  dir: root,
  client: 'claude-code',
  via: 'gateway',
  write: false,
  name: 'mcpx',
  mcpx: { node: '/n/node', bin: '/m/run.js' },
  paths: { home, platform: 'linux', env: {} },
  ...more,
});

async function refusal(more: Partial<ConfigOptions>): Promise<McpxError> {
  const error = await clientConfig(options(more)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(McpxError);
  expect((error as McpxError).exitCode).toBe(2);
  return error as McpxError;
}

describe('mcpx config entries', () => {
  it("use the manifest's gateway port, and send no token when the gateway wants none", async () => {
    const result = await clientConfig(options({ client: 'gemini-cli' }));
    expect(result.client).toBe('gemini');
    expect(result.entries).toEqual({ mcpx: { httpUrl: 'http://127.0.0.1:7444/mcp' } });
    expect(result.notes.join('\n')).not.toContain('MCPX_GATEWAY_TOKEN');
    expect(result.file).toBe(join(root, '.gemini', 'settings.json'));
  });

  it('refuse a scope the client does not have, and say which it has', async () => {
    const error = await refusal({ client: 'claude-desktop', scope: 'project' });
    expect(error.message).toBe(
      'Claude Desktop has no project scope file: it reads only user files.',
    );
    expect(error.hint).toBe('--scope user');
  });

  it('refuse a file whose servers key holds something else than entries, naming where', async () => {
    const file = join(root, '.mcp.json');
    await writeFile(file, '{"mcpServers": []}\n');
    const error = await refusal({ write: true });
    expect(error.message).toBe(
      `${file}:1:16: "mcpServers" is not an object. mcpx left the file unchanged.`,
    );
    expect(await readFile(file, 'utf8')).toBe('{"mcpServers": []}\n');
    await rm(file);
  });

  it('refuse an entry name clients do not accept', async () => {
    const error = await refusal({ name: 'my server' });
    expect(error.message).toBe('--name "my server" is not a name clients accept.');
  });

  it('put the Codex user file under $CODEX_HOME when it is set', async () => {
    const result = await clientConfig(
      options({
        client: 'codex',
        scope: 'user',
        paths: { home, platform: 'linux', env: { CODEX_HOME: join(home, 'codex-home') } },
      }),
    );
    expect(result.file).toBe(join(home, 'codex-home', 'config.toml'));
    expect(result.snippet).toBe('[mcp_servers.mcpx]\nurl = "http://127.0.0.1:7444/mcp"');
  });

  it("--list names each OS's files: Claude Desktop and VS Code under Application Support or %APPDATA%", async () => {
    const fileOf = async (platform: NodeJS.Platform, env: NodeJS.ProcessEnv, id: string) =>
      (await listClientFiles(root, { home: '/h', platform, env })).find((c) => c.client === id)
        ?.files;
    expect(await fileOf('darwin', {}, 'claude-desktop')).toEqual([
      {
        scope: 'user',
        file: '/h/Library/Application Support/Claude/claude_desktop_config.json',
        exists: false,
      },
    ]);
    expect((await fileOf('win32', { APPDATA: '/h/AppData/Roaming' }, 'vscode'))?.[1]?.file).toBe(
      join('/h/AppData/Roaming', 'Code', 'User', 'mcp.json'),
    );
    expect(await fileOf('linux', {}, 'windsurf')).toEqual([
      { scope: 'user', file: '/h/.codeium/windsurf/mcp_config.json', exists: false },
    ]);
    expect((await fileOf('linux', {}, 'claude-code'))?.[0]).toEqual({
      scope: 'project',
      file: join(root, '.mcp.json'),
      exists: false,
    });
  });
});
