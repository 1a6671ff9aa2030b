/**
 * `mcpx status` and `mcpx logs` load no schema code: they find the workspace by its file name and
 * ask the running cluster or read the log store, so zod (the largest module mcpx has, and the
 * manifest's validation) stays unloaded. Checked on the built CLI: a module hook records every
 * file Node loads, and the bundle's source maps say which packages each file holds.
 */
import { execa } from 'execa';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, testPath } from '../helpers/cli.js';

const EXAMPLES = fileURLToPath(new URL('../../examples', import.meta.url));
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcpx-lean-'));
  await writeFile(join(dir, 'mcpx.json'), await readFile(join(EXAMPLES, 'mcpx.json')));
  await mkdir(join(dir, '.mcpx', 'logs'), { recursive: true });
  const event = {
    time: new Date().toISOString(),
    server: 'docs',
    replica: 0,
    stream: 'stderr',
    level: 'info',
    msg: 'hello',
  };
  await writeFile(join(dir, '.mcpx', 'logs', '000001.jsonl'), `${JSON.stringify(event)}\n`);
  await writeFile(
    join(dir, 'hook.mjs'),
    [
      "import module from 'node:module';",
      "import { appendFileSync } from 'node:fs';",
      'module.registerHooks({',
      '  load(url, context, next) {',
      `    appendFileSync(${JSON.stringify(join(dir, 'loaded.txt'))}, url + '\\n');`,
      '    return next(url, context);',
      '  },',
      '});',
    ].join('\n'),
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs mcpx with the hook; the packages (by source map) of every bundle file it loaded. */
async function packagesLoaded(
  args: string[],
): Promise<{ exitCode: number | undefined; packages: Set<string> }> {
  await rm(join(dir, 'loaded.txt'), { force: true });
  const { exitCode } = await execa(
    process.execPath,
    ['--import', join(dir, 'hook.mjs'), BIN, ...args],
    {
      cwd: dir,
      reject: false,
      stdin: 'ignore',
      env: { FORCE_COLOR: '0', NO_COLOR: '1', CI: 'true', PATH: testPath() },
    },
  );
  const packages = new Set<string>();
  const urls = (await readFile(join(dir, 'loaded.txt'), 'utf8')).split('\n');
  for (const url of urls.filter((u) => u.startsWith('file:') && u.includes('/dist/'))) {
    const map = await readFile(`${fileURLToPath(url)}.map`, 'utf8').catch(() => undefined);
    if (map === undefined) continue;
    for (const source of (JSON.parse(map) as { sources: string[] }).sources) {
      const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source)?.[1];
      if (name !== undefined) packages.add(name);
    }
  }
  return { exitCode, packages };
}

describe('commands that need no manifest validation', () => {
  it('mcpx status (no cluster: exit 4) loads oclif, and neither zod nor jsonc-parser', async () => {
    const { exitCode, packages } = await packagesLoaded(['status']);
    expect(exitCode).toBe(4);
    expect(packages).toContain('@oclif/core');
    expect(packages).not.toContain('zod');
    expect(packages).not.toContain('jsonc-parser');
  });

  it('mcpx logs loads neither zod nor jsonc-parser', async () => {
    const { exitCode, packages } = await packagesLoaded(['logs', '-n', '1']);
    expect(exitCode).toBe(0);
    expect(packages).toContain('@oclif/core');
    expect(packages).not.toContain('zod');
    expect(packages).not.toContain('jsonc-parser');
  });
});
