import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, it } from 'vitest';
import { watchServers } from '../../src/supervisor/policies/reload-on-change.js';
import { until } from '../helpers/until.js';

let base: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'mcpx-watch-'));
});
afterEach(() => rm(base, { recursive: true, force: true }));

it.each(['dist', 'node_modules', '.git', 'coverage', '.mcpx'])(
  'reloads a server whose workspace sits under a folder named %s',
  async (reserved) => {
    const root = join(base, reserved, 'ws', 'servers', 'a');
    await mkdir(join(root, 'src'), { recursive: true });
    const changed: string[] = [];
    const watcher = await watchServers([{ name: 'a', root }], (names) => changed.push(...names), {
      debounceMs: 20,
    });
    try {
      await watcher.ready;
      await writeFile(join(root, 'src', 'server.ts'), 'export {};\n');
      await until('a reload of a', () => changed.includes('a'));
    } finally {
      await watcher.close();
    }
  },
);
