/**
 * What npm would publish: pack the repository, unpack the tarball where no node_modules can be
 * reached, and use the CLI from there. dist/ is a bundle with every dependency inside, so Node is
 * all it needs; the templates and the JSON Schema must be in the package too.
 */
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { testPath } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let base: string;
let bin: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'mcpx-package-'));
  const env = { PATH: testPath() };
  const packed = await execa('npm', ['pack', '--json', '--pack-destination', base], {
    cwd: ROOT,
    env,
  });
  const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
  await execa('tar', ['-xzf', join(base, filename), '-C', base]);
  bin = join(base, 'package', 'bin', 'run.js');
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

/** Runs the unpacked CLI with the test's Node and no way to reach this repository's packages. */
const unpacked = (args: string[], cwd = base) =>
  execa(process.execPath, [bin, ...args], {
    cwd,
    reject: false,
    stdin: 'ignore',
    env: { CI: 'true', NO_COLOR: '1', PATH: testPath() },
    extendEnv: false,
  });

it('no node_modules is reachable from the unpacked package', () => {
  for (let dir = join(base, 'package'); dir !== dirname(dir); dir = dirname(dir)) {
    expect(existsSync(join(dir, 'node_modules')), `${dir}/node_modules`).toBe(false);
  }
});

it('runs from the tarball alone: init, new server, new tool, list', async () => {
  const version = await unpacked(['--version']);
  expect(version.exitCode).toBe(0);
  expect(version.stdout).toMatch(/^mcpx\/\d+\.\d+\.\d+ /);

  const init = await unpacked(['init', 'ws', '--yes']);
  expect(init.exitCode, init.stderr).toBe(0);
  const ws = join(base, 'ws');
  const server = await unpacked(
    ['new', 'server', 'weather', '-r', 'tools', '-t', 'stdio', '--no-install', '--yes'],
    ws,
  );
  expect(server.exitCode, server.stderr).toBe(0);
  expect(existsSync(join(ws, 'servers/weather/src/server.ts'))).toBe(true);
  const tool = await unpacked(['new', 'tool', 'get_forecast', '--server', 'weather'], ws);
  expect(tool.exitCode, tool.stderr).toBe(0);
  expect(existsSync(join(ws, 'servers/weather/src/tools/get-forecast.ts'))).toBe(true);

  const list = await unpacked(['list', '--json'], ws);
  expect(list.exitCode, list.stderr).toBe(0);
  expect(JSON.parse(list.stdout)).toMatchObject({ servers: [{ name: 'weather', role: 'tools' }] });

  // mcpx.json points editors at the schema shipped in the package.
  const manifest = JSON.parse(await readFile(join(ws, 'mcpx.json'), 'utf8')) as {
    $schema: string;
  };
  const schema = resolve(ws, manifest.$schema);
  expect(schema).toBe(join(base, 'package', 'schema', 'mcpx.schema.json'));
  expect(existsSync(schema)).toBe(true);
});
