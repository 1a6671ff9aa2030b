// `mcpx config` through the built CLI: without a cluster it says the tool names were not checked
// (and still prints); with a real `mcpx dev` it checks every tool name with the client's own
// prefix and refuses a write when one does not fit; a malformed client file exits 2 unchanged.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpx } from '../helpers/cli.js';
import { type DevProcess, startDevProcess } from '../helpers/dev-process.js';
import { fixture, fixtureWorkspace, removeWorkspaces } from '../helpers/workspace.js';

describe('mcpx config', () => {
  let dir: string;
  let home: string;
  let dev: DevProcess | undefined;
  const run = (args: string[]) => mcpx(['config', ...args], { cwd: dir, env: { HOME: home } });

  beforeAll(async () => {
    dir = await fixtureWorkspace({ one: { command: 'node', args: [fixture('good-stdio')] } });
    home = await mkdtemp(join(tmpdir(), 'mcpx-config-home-'));
  });

  afterAll(async () => {
    if (dev !== undefined) {
      dev.child.kill('SIGTERM');
      await dev.exited;
    }
    await removeWorkspaces();
    await rm(home, { recursive: true, force: true });
  });

  it('with no cluster running, prints the entry and says the names were not checked, and how to check them', async () => {
    const result = await run(['cursor']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(
      `Cursor (project scope): ${join(dir, '.cursor', 'mcp.json')}\n${JSON.stringify(
        {
          mcpServers: {
            mcpx: {
              url: 'http://127.0.0.1:7330/mcp',
              headers: { Authorization: 'Bearer ${env:MCPX_GATEWAY_TOKEN}' },
            },
          },
        },
        null,
        2,
      )}`,
    );
    expect(result.stderr).toContain(
      `Tool names were not checked: mcpx dev is not running in ${dir}. Tools exist only while their servers run: start \`mcpx dev --dir ${dir}\` and run this again to check them.`,
    );
    expect(result.stderr).toContain('Not written:');
  });

  it('refuses to write a malformed file: exit 2, its line and column, the file unchanged; printing warns', async () => {
    const file = join(dir, '.cursor', 'mcp.json');
    await mkdir(join(dir, '.cursor'), { recursive: true });
    const broken = '{\n  "mcpServers": {\n    // mine\n  }\n}\n';
    await writeFile(file, broken);
    const result = await run(['cursor', '--write']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      `${file}:3:5: comments are not allowed in JSON (Cursor reads this file as plain JSON). mcpx left the file unchanged.`,
    );
    expect(await readFile(file, 'utf8')).toBe(broken);
    // Printing still prints, and says what is wrong with the file the entry would go into.
    const printed = await run(['cursor']);
    expect(printed.exitCode).toBe(0);
    expect(printed.stdout).toContain('"mcpServers"');
    expect(printed.stderr).toContain(
      `warning: ${file}:3:5: comments are not allowed in JSON (Cursor reads this file as plain JSON).\n`,
    );
    expect(await readFile(file, 'utf8')).toBe(broken);
    await rm(join(dir, '.cursor'), { recursive: true });
  });

  it('says which clients it knows when given another', async () => {
    const result = await run(['claude', '--json']);
    expect(result.exitCode).toBe(2);
    const { error } = JSON.parse(result.stdout) as { error: { message: string; hint: string } };
    expect(error.message).toBe('mcpx does not know the client "claude".');
    expect(error.hint).toMatch(
      /^did you mean "claude-code" or "claude-desktop"\? clients: claude-code, claude-desktop/,
    );
  });

  describe('with mcpx dev running', () => {
    beforeAll(async () => {
      dev = startDevProcess(dir, ['--no-watch']);
      await dev.waitFor(/gateway http:\/\/127\.0\.0\.1:\d+\/mcp/, 60_000);
    }, 120_000);

    it("checks every tool name with the client's prefix and refuses a write when one does not fit", async () => {
      // mcp__<name>__one__echo: 5 + 55 + 2 + 9 = 71 characters, over 64.
      const name = 'n'.repeat(55);
      const refused = await run(['claude-code', '--write', '--name', name]);
      expect(refused.exitCode).toBe(2);
      expect(refused.stderr).toContain(`2 tool names do not fit Claude Code's rules:`);
      expect(refused.stderr).toContain(
        `one: "mcp__${name}__one__echo" is 71 characters, over the 64 that clients accept`,
      );
      expect(refused.stderr).toContain(`mcpx did not write ${join(dir, '.mcp.json')}.`);
      await expect(readFile(join(dir, '.mcp.json'))).rejects.toThrow(/ENOENT/);

      const written = await run(['claude-code', '--write', '--json']);
      expect(written.exitCode).toBe(0);
      const result = JSON.parse(written.stdout) as {
        names: { checked: boolean; tools: number; problems: string[] };
        warnings: string[];
        changed: boolean;
      };
      expect(result.names).toEqual({ checked: true, tools: 2, problems: [] });
      expect(result.changed).toBe(true);
      // The test's mcpx dev listens on a free port, not on mcpx.json's 7330: said, not silently used.
      expect(result.warnings.join('\n')).toMatch(
        /mcpx dev runs its gateway at http:\/\/127\.0\.0\.1:\d+\/mcp now .* but the entry points at http:\/\/127\.0\.0\.1:7330\/mcp/,
      );
      const file = JSON.parse(await readFile(join(dir, '.mcp.json'), 'utf8')) as {
        mcpServers: Record<string, unknown>;
      };
      expect(Object.keys(file.mcpServers)).toEqual(['mcpx']);
    });
  });
});
