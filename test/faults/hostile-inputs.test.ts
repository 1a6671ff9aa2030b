/**
 * Fault: hostile and mistaken input. Each case runs the built CLI on a fresh copy of a workspace
 * and must exit with the expected code (never 70, "a bug in mcpx"), say what was wrong, and leave
 * every file of the workspace (and of any folder outside it that the case points at) as it was.
 */
import { execa } from 'execa';
import { chmod, cp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, mcpx, testPath } from '../helpers/cli.js';
import { skipWithout } from '../helpers/system-tool.js';
import { snapshotTree } from '../helpers/tree.js';
import { initWorkspace } from '../helpers/workspace.js';

const fixture = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/${name}.ts`, import.meta.url));

interface Case {
  name: string;
  args: string[];
  /** Prepares the case's copy of the workspace (`ws`) and the folder beside it (`outside`). */
  setup?: (ws: string, outside: string) => Promise<void>;
  exit: number;
  says: string;
  /** Top-level entries of the workspace that the command may change (mcpx's own state). */
  mayChange?: string[];
}

const manifest = (text: string) => (ws: string) => writeFile(join(ws, 'mcpx.json'), text);
const nested = (depth: number): string =>
  `{"mcpServers": {"a": {"command": "x", "args": ${'['.repeat(depth)}${']'.repeat(depth)}}}}`;

const CASES: Case[] = [
  // The manifest.
  {
    name: 'invalid JSON',
    args: ['list'],
    setup: manifest('{"mcpServers": {'),
    exit: 2,
    says: 'invalid JSON',
  },
  {
    name: 'duplicate keys',
    args: ['list'],
    setup: manifest('{"mcpServers": {"a": {"command": "x"}, "a": {"command": "y"}}}'),
    exit: 2,
    says: '"a" appears twice in the same object',
  },
  {
    name: '__proto__ as a server name',
    args: ['list'],
    setup: manifest('{"mcpServers": {"__proto__": {"command": "x"}}}'),
    exit: 2,
    says: 'mcpServers.__proto__: "__proto__" is not allowed as a key',
  },
  {
    name: '__proto__ in env',
    args: ['list'],
    setup: manifest('{"mcpServers": {"a": {"command": "x", "env": {"__proto__": "y"}}}}'),
    exit: 2,
    says: '"__proto__" is not allowed as a key',
  },
  {
    name: 'a manifest nested 2,000 deep',
    args: ['list'],
    setup: manifest(nested(2000)),
    exit: 2,
    says: 'nested more than 64 deep',
  },
  {
    name: 'a 5 MiB manifest',
    args: ['list'],
    setup: manifest(`{"mcpServers": {}, "$schema": "${'x'.repeat(5 * 1024 * 1024)}"}`),
    exit: 2,
    says: 'mcpx reads manifests of at most 4 MiB',
  },
  {
    name: 'a server named constructor that exits at once',
    args: ['smoke', '--server', 'constructor'],
    setup: manifest(
      '{"mcpServers": {"constructor": {"command": "node", "args": ["-e", "process.exit(3)"]}}}',
    ),
    exit: 4,
    says: 'exited with code 3',
    mayChange: ['.mcpx'],
  },
  {
    name: 'a tool for a server named constructor that does not exist',
    args: ['new', 'tool', 'get_x', '--server', 'constructor'],
    exit: 2,
    says: 'No server named "constructor"',
  },
  {
    name: 'logs of a server named toString that does not exist',
    args: ['logs', '--server', 'toString'],
    exit: 2,
    says: 'No server named "toString" in the manifest, and no stored events from one.',
  },
  // Names and paths.
  ...['dist', 'node_modules', 'coverage'].map((name): Case => ({
    name: `a server named ${name}`,
    args: ['new', 'server', name, '-r', 'tools', '-t', 'stdio', '--no-install'],
    exit: 2,
    says: `"${name}" is reserved`,
  })),
  ...['.git', '.mcpx', '__proto__'].map((name): Case => ({
    name: `a server named ${name}`,
    args: ['new', 'server', name, '-r', 'tools', '-t', 'stdio', '--no-install'],
    exit: 2,
    says: 'must start with a letter or a digit',
  })),
  {
    name: 'a server name that climbs out of servers/',
    args: ['new', 'server', '../evil', '-r', 'tools', '-t', 'stdio', '--no-install'],
    exit: 2,
    says: 'contains a path separator',
  },
  ...['a;touch pwned', '$(touch pwned)', 'a`id`', 'a|b'].map((name): Case => ({
    name: `shell metacharacters: ${name}`,
    args: ['new', 'server', name, '-r', 'tools', '-t', 'stdio', '--no-install'],
    exit: 2,
    says: 'is not a valid server name',
  })),
  {
    name: 'servers/ is a symbolic link out of the workspace',
    args: ['new', 'server', 'linked', '-r', 'tools', '-t', 'stdio', '--no-install'],
    setup: async (ws, outside) => {
      await rm(join(ws, 'servers'), { recursive: true });
      await symlink(outside, join(ws, 'servers'));
    },
    exit: 2,
    says: 'servers is a symbolic link or leads outside the workspace',
  },
  {
    name: 'a server whose cwd leaves the workspace gets no tool',
    args: ['new', 'tool', 'get_x', '--server', 'away'],
    setup: async (ws, outside) => {
      await mkdir(join(outside, 'src'), { recursive: true });
      await writeFile(join(outside, 'src', 'server.ts'), '// mcpx:imports\n// mcpx:register\n');
      await writeFile(
        join(ws, 'mcpx.json'),
        '{"mcpServers": {"away": {"command": "node", "cwd": "../outside"}}}',
      );
    },
    exit: 2,
    says: 'leads outside the workspace',
  },
  {
    name: 'a tools folder that is a symbolic link out of the workspace',
    args: ['new', 'tool', 'get_x', '--server', 's1'],
    setup: async (ws, outside) => {
      await rm(join(ws, 'servers', 's1', 'src', 'tools'), { recursive: true });
      await symlink(outside, join(ws, 'servers', 's1', 'src', 'tools'));
    },
    exit: 2,
    says: 'servers/s1/src/tools is a symbolic link',
  },
  // Files that are not what they seem.
  {
    name: 'servers is a file',
    args: ['new', 'server', 'x', '-r', 'tools', '-t', 'stdio', '--no-install'],
    setup: async (ws) => {
      await rm(join(ws, 'servers'), { recursive: true });
      await writeFile(join(ws, 'servers'), 'not a folder');
    },
    exit: 2,
    says: 'servers is not a folder',
  },
  {
    name: 'init onto an existing file',
    args: ['init', 'mcpx.json'],
    exit: 2,
    says: 'is a file, not a folder',
  },
  {
    name: 'smoke --output into a missing folder',
    args: ['smoke', '--reporter', 'junit', '--output', 'missing/smoke.xml'],
    exit: 2,
    says: 'the folder',
  },
  {
    name: 'smoke --output onto a folder',
    args: ['smoke', '--reporter', 'junit', '--output', 'servers'],
    exit: 2,
    says: '--output servers is a folder, not a file',
  },
  // Odd flag values.
  {
    name: 'an unknown reporter',
    args: ['smoke', '--reporter', 'xml'],
    exit: 2,
    says: 'xml',
  },
  { name: 'an unknown transport', args: ['new', 'server', 'x', '-t', 'sse'], exit: 2, says: 'sse' },
  {
    name: 'a --since that is no time',
    args: ['logs', '--since', 'yesterday'],
    exit: 2,
    says: 'neither a duration nor a time',
  },
  {
    name: 'a made-up level',
    args: ['logs', '--level', 'loud'],
    exit: 2,
    says: '--level does not take "loud"',
  },
  {
    name: 'a --grep that is no regular expression',
    args: ['logs', '--grep', '(unclosed'],
    exit: 2,
    says: 'not a valid regular expression',
  },
  {
    name: 'an invalid workspace name',
    args: ['init', 'sub', '--name', 'Bad Name!'],
    exit: 2,
    says: 'not a valid npm package name',
  },
  {
    name: 'a --dir that does not exist',
    args: ['list', '--dir', '/nonexistent/mcpx-hostile'],
    exit: 2,
    says: 'No mcpx.json in /nonexistent/mcpx-hostile',
  },
];

let base: string;
let template: string;

beforeAll(async () => {
  ({ base, ws: template } = await initWorkspace('mcpx-hostile-', 'template'));
  const server = await mcpx(['new', 'server', 's1', '-r', 'tools', '-t', 'stdio', '--no-install'], {
    cwd: template,
  });
  expect(server.exitCode, server.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  if (base !== undefined) await rm(base, { recursive: true, force: true });
});

/** A fresh copy of the workspace, and an empty folder beside it that cases may point at. */
async function freshCase(id: number): Promise<{ ws: string; outside: string }> {
  const dir = join(base, `case-${id}`);
  await cp(template, join(dir, 'ws'), { recursive: true });
  await mkdir(join(dir, 'outside'));
  return { ws: join(dir, 'ws'), outside: join(dir, 'outside') };
}

const without = (tree: Record<string, string>, tops: string[]): Record<string, string> =>
  Object.fromEntries(
    Object.entries(tree).filter(
      ([path]) => !tops.some((t) => path === `${t}/` || path.startsWith(`${t}/`)),
    ),
  );

describe('hostile input', () => {
  it.each(CASES.map((c, i) => [c.name, c, i] as const))(
    '%s',
    async (_name, c, i) => {
      const { ws, outside } = await freshCase(i);
      await c.setup?.(ws, outside);
      const before = [await snapshotTree(ws), await snapshotTree(outside)];
      const result = await mcpx(c.args, { cwd: ws });
      const output = `${result.stdout}\n${result.stderr}`;
      expect(result.exitCode, output).not.toBe(70);
      expect(result.exitCode, output).toBe(c.exit);
      expect(output).toContain(c.says);
      const after = [await snapshotTree(ws), await snapshotTree(outside)];
      const mayChange = c.mayChange ?? [];
      expect(after.map((t) => without(t, mayChange))).toEqual(
        before.map((t) => without(t, mayChange)),
      );
    },
    60_000,
  );
});

/**
 * Runs mcpx subject to file permissions. As root (CI), without the two capabilities that let root
 * write and read anywhere, through util-linux's setpriv: still uid 0, so a checkout in a folder
 * only root may enter (a `mktemp -d` clone) still runs, which an unprivileged uid could not.
 */
async function mcpxUnprivileged(args: string[], cwd: string) {
  const asRoot = process.getuid?.() === 0;
  const caps = '-dac_override,-dac_read_search';
  const [file, argv] = asRoot
    ? [
        'setpriv',
        [`--inh-caps=${caps}`, `--bounding-set=${caps}`, '--', process.execPath, BIN, ...args],
      ]
    : [process.execPath, [BIN, ...args]];
  const result = await execa(file, argv, {
    cwd,
    reject: false,
    stdin: 'ignore',
    env: { FORCE_COLOR: '0', NO_COLOR: '1', CI: 'true', PATH: testPath(), HOME: tmpdir() },
  });
  return {
    exitCode: result.exitCode,
    output: `${String(result.stdout)}\n${String(result.stderr)}`,
  };
}

describe('a workspace mcpx may not write', () => {
  it.skipIf(process.getuid?.() === 0 && skipWithout('setpriv', 'util-linux'))(
    'new server says permission denied with the path, exit 2, and writes nothing',
    async () => {
      const { ws } = await freshCase(1000);
      await rm(join(ws, 'servers'), { recursive: true });
      // Readable and enterable, writable by no one without the power to ignore file modes.
      await chmod(ws, 0o555);
      try {
        const before = await snapshotTree(ws);
        const result = await mcpxUnprivileged(
          ['new', 'server', 'x', '-r', 'tools', '-t', 'stdio', '--no-install'],
          ws,
        );
        expect(result.exitCode, result.output).toBe(2);
        expect(result.output).toContain(
          `Could not mkdir ${join(ws, 'servers')}: permission denied (EACCES).`,
        );
        expect(await snapshotTree(ws)).toEqual(before);
      } finally {
        await chmod(ws, 0o755);
      }
    },
  );
});

/** A small tmpfs to fill up and to make read-only: only where the tests may mount (root on Linux). */
async function mountTmpfs(dir: string, size: string): Promise<boolean> {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  await mkdir(dir, { recursive: true });
  const mounted = await execa('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], {
    reject: false,
  });
  return mounted.exitCode === 0;
}

describe('a full or read-only disk', () => {
  it('new server says the disk is full (ENOSPC) or read-only (EROFS), exit 2, and leaves nothing', async (context) => {
    const mountPoint = join(base, 'disk');
    if (!(await mountTmpfs(mountPoint, '512k'))) {
      context.skip('needs root on Linux to mount a small tmpfs');
      return;
    }
    try {
      const ws = join(mountPoint, 'ws');
      await cp(template, ws, { recursive: true });
      await rm(join(ws, 'servers'), { recursive: true });
      // Fill the disk but for a few KiB: the template copy fails part way.
      const filler = await execa(
        'dd',
        ['if=/dev/zero', `of=${join(mountPoint, 'fill')}`, 'bs=4k'],
        {
          reject: false,
        },
      );
      expect(String(filler.stderr)).toContain('No space left');
      await rm(join(mountPoint, 'fill'));
      await execa('dd', ['if=/dev/zero', `of=${join(mountPoint, 'fill')}`, 'bs=1k', 'count=470'], {
        reject: false,
      });
      const before = await snapshotTree(ws);
      const full = await mcpx(
        ['new', 'server', 'x', '-r', 'tools', '-t', 'stdio', '--no-install'],
        {
          cwd: ws,
        },
      );
      expect(full.exitCode, full.stderr).toBe(2);
      expect(full.stderr).toMatch(/Could not \w+ .*: the disk is full \(ENOSPC\)\./);
      expect(await snapshotTree(ws)).toEqual(before);

      await execa('mount', ['-o', 'remount,ro', mountPoint]);
      const readOnly = await mcpx(
        ['new', 'server', 'y', '-r', 'tools', '-t', 'stdio', '--no-install'],
        { cwd: ws },
      );
      expect(readOnly.exitCode, readOnly.stderr).toBe(2);
      expect(readOnly.stderr).toContain('it is on a read-only file system (EROFS)');
      expect(await snapshotTree(ws)).toEqual(before);
    } finally {
      await execa('umount', [mountPoint], { reject: false });
    }
  });
});

describe('mistakes that get a warning, and layouts that must simply work', () => {
  it('smoke warns about cases for unknown servers and unset ${VAR} in env, and still passes', async () => {
    const { ws } = await freshCase(2000);
    await writeFile(
      join(ws, 'mcpx.json'),
      JSON.stringify({
        mcpServers: {
          good: {
            command: 'node',
            args: [fixture('good-stdio')],
            env: { TOKEN: '${MCPX_TEST_UNSET_TOKEN}', MODE: '${MCPX_TEST_UNSET_MODE:-dev}' },
          },
        },
      }),
    );
    await writeFile(join(ws, 'mcpx.smoke.json'), JSON.stringify({ godo: { cases: [] } }));
    const result = await mcpx(['smoke'], { cwd: ws });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      'warning: mcpx.smoke.json has cases for "godo", which is not a server in mcpx.json; they never run.',
    );
    expect(result.stdout).toContain(
      'warning: good: env uses ${MCPX_TEST_UNSET_TOKEN}, which is not set here; the server gets "" for it.',
    );
    expect(result.stdout).not.toContain('MCPX_TEST_UNSET_MODE');
  });

  it('list names a missing cwd and an unset ${VAR}', async () => {
    const { ws } = await freshCase(2001);
    await writeFile(
      join(ws, 'mcpx.json'),
      JSON.stringify({
        mcpServers: {
          gone: { command: 'node', cwd: 'servers/gone', env: { K: '${MCPX_TEST_UNSET}' } },
        },
      }),
    );
    const result = await mcpx(['list'], { cwd: ws });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      'cwd servers/gone does not exist; ${MCPX_TEST_UNSET} is not set',
    );
  });

  it('new tool works beside a subfolder of src/tools', async () => {
    const { ws } = await freshCase(2002);
    await mkdir(join(ws, 'servers', 's1', 'src', 'tools', 'helpers'));
    const result = await mcpx(['new', 'tool', 'get_x', '--server', 's1'], { cwd: ws });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('created  servers/s1/src/tools/get-x.ts');
  });
});
