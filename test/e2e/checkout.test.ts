/**
 * The README's way to run the CLI from a checkout works whatever Node comes first on the PATH (a
 * system Node older than mcpx needs, say): `npx mcpx` inside the repository runs the pinned Node.
 */
import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import { delimiter } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

it("the README's command for a checkout runs mcpx on the repository's pinned Node", async () => {
  const readme = await readFile(new URL('README.md', `file://${REPO}`), 'utf8');
  const setUp = readme.slice(readme.indexOf('## Set-up'), readme.indexOf('## Quick start'));
  const command = /^npx mcpx --version\b/m.exec(setUp)?.[0];
  expect(command, 'the Set-up section shows `npx mcpx --version`').toBeDefined();
  const pinned = JSON.parse(
    await readFile(new URL('node_modules/node/package.json', `file://${REPO}`), 'utf8'),
  ) as { version: string };
  // The PATH of a shell outside npm: without this repository's node_modules/.bin, and with
  // whatever Node the system has first.
  const path = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => !dir.includes('node_modules'))
    .join(delimiter);
  const result = await execa('npx', ['mcpx', '--version'], {
    cwd: REPO,
    env: { PATH: path },
    extendEnv: true,
    reject: false,
  });
  expect(result.exitCode, result.stderr).toBe(0);
  expect(result.stdout).toContain(`node-v${pinned.version}`);
}, 60_000);
