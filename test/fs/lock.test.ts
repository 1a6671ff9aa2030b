import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { McpxError } from '../../src/errors.js';
import { withFileLock } from '../../src/fs/lock.js';

const startOf = (pid: number): string =>
  readFileSync(`/proc/${pid}/stat`, 'utf8')
    .slice(readFileSync(`/proc/${pid}/stat`, 'utf8').lastIndexOf(')') + 2)
    .split(' ')[19]!;

describe.runIf(process.platform === 'linux')('withFileLock', () => {
  let dir: string;
  let lock: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcpx-lock-'));
    lock = join(dir, '.mcpx', 'x.lock');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('runs callers one at a time and removes the lock and the folder it made', async () => {
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 8 }, () =>
        withFileLock(lock, { what: 'x' }, async () => {
          most = Math.max(most, ++inside);
          await new Promise((resolve) => setTimeout(resolve, 5));
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(await readdir(dir)).toEqual([]);
  });

  it('takes over a lock whose owner is gone, or whose pid now belongs to another process', async () => {
    await mkdir(join(dir, '.mcpx'));
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    await writeFile(lock, JSON.stringify({ pid: gone, start: '1' }));
    expect(await withFileLock(lock, { what: 'x', timeoutMs: 2000 }, async () => 'ran')).toBe('ran');
    // This very process, but started at another time: the pid was reused.
    await mkdir(join(dir, '.mcpx'));
    await writeFile(lock, JSON.stringify({ pid: process.pid, start: '1' }));
    expect(await withFileLock(lock, { what: 'x', timeoutMs: 2000 }, async () => 'ran')).toBe('ran');
    expect(await readdir(dir)).toEqual([]);
  });

  it('waits for a live owner, then fails with exit 2 naming it, and leaves its lock alone', async () => {
    await mkdir(join(dir, '.mcpx'));
    const held = JSON.stringify({ pid: process.ppid, start: startOf(process.ppid) });
    await writeFile(lock, held);
    const error = await withFileLock(
      lock,
      { what: 'mcpx.json', timeoutMs: 300 },
      async () => 1,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(McpxError);
    expect((error as McpxError).exitCode).toBe(2);
    expect((error as McpxError).message).toContain(`locked by another mcpx (pid ${process.ppid})`);
    expect(readFileSync(lock, 'utf8')).toBe(held);
  });
});
