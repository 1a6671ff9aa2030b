/**
 * The log store as `mcpx dev` leaves it: private to its user (servers print secrets), and a store
 * that stops being able to write (a full disk) is reported once, while the logs keep reaching the
 * terminal.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, testPath } from '../helpers/cli.js';
import { type DevProcess, startDevProcess } from '../helpers/dev-process.js';
import { processesUnder } from '../helpers/processes.js';
import { until } from '../helpers/until.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const fixture = (name: string): string => join(REPO, 'test/fixtures', `${name}.ts`);
const dirs: string[] = [];
const devs: DevProcess[] = [];
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const child of [...devs.map((d) => d.child), ...children])
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs) {
    // After a failed test, its servers outlive the SIGKILLed mcpx and still write under dir.
    for (const pid of processesUnder(dir)) process.kill(pid, 'SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});

async function workspace(manifest: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mcpx-store-'));
  dirs.push(dir);
  await symlink(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  await writeFile(join(dir, 'mcpx.json'), JSON.stringify(manifest));
  return dir;
}

async function stopped(dev: DevProcess): Promise<void> {
  dev.child.kill('SIGINT');
  expect((await dev.exited).code).toBe(0);
}

const mode = async (path: string): Promise<string> =>
  ((await stat(path)).mode & 0o777).toString(8).padStart(4, '0');

describe('the log store', () => {
  it('is readable by its user only, also where an earlier run left it open to others', async () => {
    const dir = await workspace({
      mcpServers: {
        chatty: { command: 'node', args: [fixture('stderr-flood')], env: { FLOOD_LINES: '3000' } },
      },
      logs: { maxFileBytes: 64 * 1024, maxFiles: 3 },
    });
    // What an mcpx before this fix left behind: world-readable folders and files, and the live
    // file of the layout before numbered segments, which becomes the live segment.
    await mkdir(join(dir, '.mcpx/logs'), { recursive: true, mode: 0o755 });
    await chmod(join(dir, '.mcpx'), 0o755);
    await writeFile(join(dir, '.mcpx/logs/current.jsonl'), '', { mode: 0o644 });
    await chmod(join(dir, '.mcpx/logs/current.jsonl'), 0o644);

    const dev = startDevProcess(dir);
    devs.push(dev);
    await dev.waitFor(/chatty +\| DONE 3000/, 60_000);
    await stopped(dev);

    expect(await mode(join(dir, '.mcpx'))).toBe('0700');
    expect(await mode(join(dir, '.mcpx/logs'))).toBe('0700');
    const files = await readdir(join(dir, '.mcpx/logs'));
    // Rotated files too: 3000 lines of ~100 bytes rotate 64 KiB files.
    expect(files.length).toBeGreaterThan(1);
    for (const file of files)
      expect([file, await mode(join(dir, '.mcpx/logs', file))]).toEqual([file, '0600']);
  }, 90_000);

  it('that fills up is reported once, and logs still reach the terminal', async () => {
    const dir = await workspace({
      mcpServers: {
        // 20,000 lines: about 4 MB of store events (far past the 512 KiB limit below), but under the
        // 4 MiB the terminal may fall behind before mcpx dev leaves lines out of it, so every line
        // reaches this test's output however slowly it reads on a loaded machine.
        chatty: { command: 'node', args: [fixture('stderr-flood')], env: { FLOOD_LINES: '20000' } },
      },
    });
    // A file size limit of 512 KiB (ulimit -f) for mcpx dev: the store's writes fail with EFBIG
    // once the live segment reaches it, in the middle of the flood, as on a disk that fills up.
    const child = spawn(
      '/bin/sh',
      ['-c', 'ulimit -f 512 && exec "$0" "$@"', process.execPath, BIN, 'dev'],
      {
        cwd: dir,
        env: { ...process.env, PATH: testPath(), NO_COLOR: '1', FORCE_COLOR: '0', CI: 'true' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(child);
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await until('the flood to end', () => output.includes('| DONE 20000'), { timeoutMs: 90_000 });
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    const reports = output.split('\n').filter((line) => line.includes('the log store'));
    expect(reports, reports.slice(0, 3).join('\n')).toHaveLength(1);
    expect(reports[0]).toMatch(/EFBIG.*events are no longer saved/);
    expect(output).toMatch(/chatty +\| line 20000 /);
  }, 120_000);
});
