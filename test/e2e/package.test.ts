/**
 * What npm would publish: pack the repository, unpack the tarball where no node_modules can be
 * reached, and use the CLI from there. dist/ is a bundle with every dependency inside, so Node is
 * all it needs; the templates and the JSON Schema must be in the package too.
 */
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { testPath } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let base: string;
let bin: string;
let tarball: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'mcpx-package-'));
  const env = { PATH: testPath() };
  // --ignore-scripts: `prepare` would rebuild dist/ under the other tests that run from it.
  const packed = await execa(
    'npm',
    ['pack', '--json', '--ignore-scripts', '--pack-destination', base],
    {
      cwd: ROOT,
      env,
    },
  );
  const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
  tarball = filename;
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

  const init = await unpacked(['init', 'ws']);
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

  // mcpx.json points editors at the schema the devDependency puts into node_modules.
  const manifest = JSON.parse(await readFile(join(ws, 'mcpx.json'), 'utf8')) as {
    $schema: string;
  };
  expect(manifest.$schema).toBe('./node_modules/mcpx/schema/mcpx.schema.json');
  // Unpacked by hand, mcpx has no install record: the spec is its folder, and init says so.
  const pkg = JSON.parse(await readFile(join(ws, 'package.json'), 'utf8'));
  expect(pkg.devDependencies.mcpx).toBe(`file:${join(base, 'package')}`);
  expect(init.stderr).toContain('that is a path on this machine');
});

it('installed from the tarball, init records it; the workspace runs its CI workflow: npm ci, npx mcpx smoke', async () => {
  const env = { CI: 'true', NO_COLOR: '1', PATH: testPath(), HOME: process.env.HOME ?? base };
  const run = (command: string, args: string[], cwd: string) =>
    execa(command, args, { cwd, env, extendEnv: false, reject: false, stdin: 'ignore' });
  const npm = (args: string[], cwd: string) =>
    run('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline'], cwd);

  // A user's project that installs mcpx from the packed tarball.
  const tool = join(base, 'tool');
  await mkdir(tool);
  await writeFile(join(tool, 'package.json'), '{"name": "tool", "private": true}\n');
  const installed = await npm(['install', '--save-dev', join(base, tarball)], tool);
  expect(installed.exitCode, String(installed.stderr)).toBe(0);
  const mcpxBin = join(tool, 'node_modules', '.bin', 'mcpx');

  const init = await run(mcpxBin, ['init', 'ci-ws'], base);
  expect(init.exitCode, String(init.stderr)).toBe(0);
  const ws = join(base, 'ci-ws');
  const pkg = JSON.parse(await readFile(join(ws, 'package.json'), 'utf8'));
  // The tool project's lockfile has `file:../<tarball>`; the workspace gets the same file.
  expect(pkg.devDependencies.mcpx).toBe(`file:${join(base, tarball)}`);
  expect(String(init.stderr)).toContain('that is a path on this machine');

  const server = await run(
    mcpxBin,
    ['new', 'server', 'weather', '-r', 'tools', '-t', 'stdio', '--no-install'],
    ws,
  );
  expect(server.exitCode, String(server.stderr)).toBe(0);
  // Third-party versions as of a fixed day: what is under test is mcpx's workflow, not the
  // ecosystem's newest releases. vite 8.4.0 (2026-11-26, pulled in by vitest) added an optional
  // dependency this registry does not serve: `npm install` skips it, then `npm ci` refuses the lock.
  const install = await npm(['install', '--before', '2026-11-20'], ws);
  expect(install.exitCode, String(install.stderr)).toBe(0);
  expect(existsSync(join(ws, 'node_modules', 'mcpx', 'schema', 'mcpx.schema.json'))).toBe(true);

  // The workflow's steps, as .github/workflows/mcpx-smoke.yml runs them.
  const workflow = await readFile(join(ws, '.github', 'workflows', 'mcpx-smoke.yml'), 'utf8');
  expect(workflow).toContain('- run: npm ci');
  expect(workflow).toContain('- run: npx mcpx smoke --reporter junit --output mcpx-smoke.xml');
  const ci = await npm(['ci'], ws);
  expect(ci.exitCode, String(ci.stderr)).toBe(0);
  const smoke = await run(
    'npx',
    ['mcpx', 'smoke', '--reporter', 'junit', '--output', 'mcpx-smoke.xml'],
    ws,
  );
  expect(smoke.exitCode, `${String(smoke.stdout)}\n${String(smoke.stderr)}`).toBe(0);
  const xml = await readFile(join(ws, 'mcpx-smoke.xml'), 'utf8');
  expect(xml).toContain('<testsuite name="weather"');
  expect(xml).toContain('failures="0"');
}, 600_000);
