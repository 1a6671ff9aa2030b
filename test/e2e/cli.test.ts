/**
 * The CLI shell itself, driven as users run it: --version, --help, unknown input, a reader that
 * closes the pipe early, and the two entries (bin/run.js over the built bundle, bin/dev.js over src/).
 */
import { execa } from 'execa';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { arch, platform, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BIN, mcpx, testPath } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
const DEV_BIN = fileURLToPath(new URL('../../bin/dev.js', import.meta.url));

const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
const manifest = JSON.parse(
  await readFile(new URL('../../oclif.manifest.json', import.meta.url), 'utf8'),
) as { commands: Record<string, unknown> };

describe('mcpx --version and --help', () => {
  it('--version names the version, the platform and Node', async () => {
    const { exitCode, stdout } = await mcpx(['--version'], { cwd: ROOT });
    expect(exitCode).toBe(0);
    expect(stdout.trim()).toBe(
      `mcpx/${pkg.version} ${platform()}-${arch()} node-${process.version}`,
    );
  });

  it('--help lists every top-level command, in order, and the topics "k8s" and "new"', async () => {
    const { exitCode, stdout } = await mcpx(['--help'], { cwd: ROOT });
    expect(exitCode).toBe(0);
    const section = stdout.slice(stdout.indexOf('COMMANDS\n'));
    const listed = [...section.matchAll(/^ {2}(\S+) {2,}/gm)].map((m) => m[1]);
    const topLevel = Object.keys(manifest.commands)
      .filter((id) => !id.includes(':'))
      .sort();
    expect(listed).toEqual(topLevel);
    expect(stdout).toMatch(
      /^TOPICS\n {2}k8s {2,}Deploy the workspace to Kubernetes.*\n {2}new {2,}Scaffold MCP servers/m,
    );
  });

  it("the README's `mcpx --help` sample is today's output", async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    const sample = /```console\n\$ mcpx --help\n([\s\S]*?)```/.exec(readme)?.[1];
    const { stdout } = await mcpx(['--help'], { cwd: ROOT });
    // The version line names the platform and Node it ran on.
    const version = /^ {2}mcpx\/.*$/m;
    expect(sample?.replace(version, '').trimEnd()).toBe(stdout.replace(version, '').trimEnd());
  });

  it('command help renders the examples with the binary name', async () => {
    const { exitCode, stdout } = await mcpx(['logs', '--help'], { cwd: ROOT });
    expect(exitCode).toBe(0);
    expect(stdout).toContain('$ mcpx logs --follow --server weather,docs --level warning');
    expect(stdout).not.toContain('<%');
  });

  it('help for a topic lists its commands', async () => {
    const { exitCode, stdout } = await mcpx(['new', '--help'], { cwd: ROOT });
    expect(exitCode).toBe(0);
    for (const id of ['new prompt', 'new resource', 'new server', 'new tool']) {
      expect(stdout).toContain(id);
    }
  });
});

describe('mcpx help, -h and -v', () => {
  it('`mcpx help <command>` prints what `<command> --help` prints', async () => {
    const viaHelp = await mcpx(['help', 'new', 'server'], { cwd: ROOT });
    const viaFlag = await mcpx(['new', 'server', '--help'], { cwd: ROOT });
    expect(viaHelp.exitCode).toBe(0);
    expect(viaHelp.stdout).toContain('$ mcpx new server');
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
  });

  it('`mcpx help` alone and -h print the root help; -v prints the version', async () => {
    const root = await mcpx(['--help'], { cwd: ROOT });
    expect((await mcpx(['help'], { cwd: ROOT })).stdout).toBe(root.stdout);
    expect((await mcpx(['-h'], { cwd: ROOT })).stdout).toBe(root.stdout);
    const version = await mcpx(['--version'], { cwd: ROOT });
    expect((await mcpx(['-v'], { cwd: ROOT })).stdout).toBe(version.stdout);
  });

  it('`mcpx help` for something that is not a command exits 2 with the nearest one', async () => {
    const { exitCode, stderr } = await mcpx(['help', 'smok'], { cwd: ROOT });
    expect(exitCode).toBe(2);
    expect(stderr).toContain('Error: "mcpx smok" is not a command.');
    expect(stderr).toContain('did you mean `mcpx smoke`?');
  });
});

describe('bad input to the CLI', () => {
  it('an unknown command exits 2 with the nearest command', async () => {
    const { exitCode, stdout, stderr } = await mcpx(['lsit'], { cwd: ROOT });
    expect(exitCode).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'Error: "mcpx lsit" is not a command.\n' +
        'Try: did you mean `mcpx list`? `mcpx --help` lists every command',
    );
  });

  it('a mistyped subcommand with arguments after it is still recognised', async () => {
    const { exitCode, stderr } = await mcpx(['new', 'servr', 'weather', '--role', 'tools'], {
      cwd: ROOT,
    });
    expect(exitCode).toBe(2);
    expect(stderr).toContain('Error: "mcpx new servr" is not a command.');
    expect(stderr).toContain('did you mean `mcpx new server`?');
  });

  it('an unknown command with --json answers in JSON on stdout', async () => {
    const { exitCode, stdout } = await mcpx(['frobnicate', '--json'], { cwd: ROOT });
    expect(exitCode).toBe(2);
    expect(JSON.parse(stdout)).toEqual({
      error: {
        message: '"mcpx frobnicate" is not a command.',
        hint: '`mcpx --help` lists every command',
        exitCode: 2,
      },
    });
  });

  it('a mistyped top-level flag exits 2 with the nearest one', async () => {
    const { exitCode, stderr } = await mcpx(['--verison'], { cwd: ROOT });
    expect(exitCode).toBe(2);
    expect(stderr).toContain('did you mean `mcpx --version`?');
  });

  it('an unknown flag exits 2 with the nearest flag', async () => {
    const { exitCode, stderr } = await mcpx(['logs', '--follw'], { cwd: EXAMPLES });
    expect(exitCode).toBe(2);
    expect(stderr).toBe(
      'Error: `mcpx logs` has no flag --follw.\n' +
        'Try: did you mean --follow? `mcpx logs --help` lists its flags',
    );
  });

  it('a missing argument exits 2 with what is missing', async () => {
    const { exitCode, stderr } = await mcpx(['restart'], { cwd: EXAMPLES });
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(/Missing 1 required arg/);
  });

  it('with --json, every usage error is the same {"error": ...} object on stdout', async () => {
    const cases = [
      ['new', 'server', '--transport', 'ftp', '--json'],
      ['restart', '--json'],
      ['list', 'foo', '--json'],
      ['logs', '--follw', '--json'],
    ];
    for (const args of cases) {
      const { exitCode, stdout } = await mcpx(args, { cwd: EXAMPLES });
      expect(exitCode, args.join(' ')).toBe(2);
      const { error } = JSON.parse(stdout) as { error: Record<string, unknown> };
      expect(Object.keys(error).sort(), args.join(' ')).toEqual(['exitCode', 'hint', 'message']);
      expect(error.exitCode).toBe(2);
    }
  });

  it('knows negated flags and the --json flag', async () => {
    const negated = await mcpx(['dev', '--no-wach'], { cwd: EXAMPLES });
    expect(negated.exitCode).toBe(2);
    expect(negated.stderr).toContain('did you mean --no-watch?');
    const json = await mcpx(['new', 'server', '--jsn'], { cwd: EXAMPLES });
    expect(json.exitCode).toBe(2);
    expect(json.stderr).toContain('did you mean --json?');
  });
});

describe('output to a reader that stops early', () => {
  /** Runs the CLI with our end of its stdout closed before it writes (as `| head -0` would). */
  async function closedStdout(args: string[], cwd: string) {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { ...process.env, PATH: testPath(), NO_COLOR: '1', FORCE_COLOR: '0', CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    return { code, stderr };
  }

  it('ends quietly with 0 (as `mcpx --help | head -1` does)', async () => {
    expect(await closedStdout(['--help'], ROOT)).toEqual({ code: 0, stderr: '' });
  });

  it('lets a command finish its work: new server completes and registers the server', async () => {
    const base = await mkdtemp(join(tmpdir(), 'mcpx-epipe-'));
    try {
      expect((await mcpx(['init', 'ws'], { cwd: base })).exitCode).toBe(0);
      const ws = join(base, 'ws');
      const result = await closedStdout(
        ['new', 'server', 'weather', '-r', 'tools', '-t', 'stdio', '--no-install', '--yes'],
        ws,
      );
      expect(result.code, result.stderr).toBe(0);
      expect(existsSync(join(ws, 'servers/weather/src/server.ts'))).toBe(true);
      const manifest = JSON.parse(await readFile(join(ws, 'mcpx.json'), 'utf8')) as {
        mcpServers: Record<string, unknown>;
      };
      expect(Object.keys(manifest.mcpServers)).toEqual(['weather']);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  it('keeps the real exit code: smoke of a broken workspace still exits 2', async () => {
    const base = await mkdtemp(join(tmpdir(), 'mcpx-epipe-'));
    try {
      await writeFile(join(base, 'mcpx.json'), '{"mcpServers": {"x": {"comand": "node"}}}');
      const result = await closedStdout(['smoke'], base);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('unknown field "comand"');
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});

describe('the two entries', () => {
  it('bin/run.js runs the built bundle even under NODE_ENV=development or test', async () => {
    // vitest itself sets NODE_ENV=test. oclif would then register tsx and map dist/ to src/.
    for (const NODE_ENV of ['development', 'test']) {
      const { exitCode, stderr } = await mcpx(['new', 'tool', 'x_y', '--server', 'nope'], {
        cwd: EXAMPLES,
        env: { NODE_ENV, DEBUG: 'oclif:config:ts-path' },
      });
      expect(exitCode).toBe(2);
      expect(stderr).toContain('No server named "nope"');
      expect(stderr).toContain('enableAutoTranspile is explicitly set to false');
      expect(stderr).not.toContain('registering tsx');
      // With a second copy of oclif its exit signal goes unrecognised and prints as "EEXIT: 2".
      expect(stderr).not.toContain('EEXIT');
    }
  });

  it('bin/dev.js runs src/ with no build and prints what bin/run.js prints', async () => {
    const options = {
      cwd: EXAMPLES,
      reject: false,
      stdin: 'ignore' as const,
      env: { NO_COLOR: '1', FORCE_COLOR: '0', CI: 'true', PATH: testPath() },
    };
    const dev = await execa(process.execPath, [DEV_BIN, 'list', '--json'], options);
    const built = await execa(process.execPath, [BIN, 'list', '--json'], options);
    expect(dev.exitCode).toBe(0);
    expect(dev.stdout).toBe(built.stdout);
    // It really is the source: oclif's development mode says which folder it maps dist/ to.
    const traced = await execa(process.execPath, [DEV_BIN, 'list'], {
      ...options,
      env: { ...options.env, DEBUG: 'oclif:config:ts-path' },
    });
    expect(traced.stderr).toContain(`Found source directory for ${ROOT}dist/commands`);
  });
});
