// Third-party npm packages that acceptance tests install (never vendored): the official conformance
// suite, the MCP Inspector, server-everything. Each pinned version is installed once into
// node_modules/.cache/mcpx-tests/<name>@<version> and reused by later runs and other test files.
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testPath } from './cli.js';

const CACHE = fileURLToPath(new URL('../../node_modules/.cache/mcpx-tests/', import.meta.url));

/**
 * Third-party dependencies resolved as of a fixed day, like the other tests that install packages
 * (test/e2e/package.test.ts): what is under test is mcpx, not the ecosystem's newest releases.
 */
const BEFORE = '2026-11-20';

export interface InstalledPackage {
  /** The package's folder (its package.json is there). */
  dir: string;
  /** The absolute path of one of its `bin` entries. */
  bin(name: string): Promise<string>;
}

/**
 * `name@version` (an exact version) installed with its dependencies, from the cache when an earlier
 * run installed it. The install goes to a fresh folder that is renamed into place only once npm
 * succeeded, so an interrupted install or two test files installing at once never leave a half
 * tree behind.
 */
export async function installPinned(name: string, version: string): Promise<InstalledPackage> {
  if (!/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(version))
    throw new Error(`installPinned wants an exact version, got ${name}@${version}`);
  const home = join(CACHE, `${name.replace('/', '+')}@${version}`);
  if (!existsSync(join(home, 'node_modules', name, 'package.json'))) {
    await mkdir(CACHE, { recursive: true });
    const staging = await mkdtemp(join(CACHE, '.install-'));
    try {
      await writeFile(join(staging, 'package.json'), '{"private": true}\n');
      const install = await execa(
        'npm',
        [
          'install',
          '--no-audit',
          '--no-fund',
          '--prefer-offline',
          '--before',
          BEFORE,
          `${name}@${version}`,
        ],
        { cwd: staging, env: { PATH: testPath() }, reject: false, stdin: 'ignore' },
      );
      if (install.exitCode !== 0)
        throw new Error(`npm install ${name}@${version} failed:\n${install.stderr}`);
      await rename(staging, home).catch(async (error: NodeJS.ErrnoException) => {
        // Another test file finished the same install first: use that one.
        if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
        await rm(staging, { recursive: true, force: true });
      });
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      throw error;
    }
  }
  const dir = join(home, 'node_modules', name);
  return {
    dir,
    bin: async (binName) => {
      const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as {
        bin?: string | Record<string, string>;
      };
      const entry = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin?.[binName];
      if (entry === undefined) throw new Error(`${name} has no bin ${binName}`);
      return join(dir, entry);
    },
  };
}
