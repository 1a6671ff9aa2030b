/**
 * `mcpx dev | slow-reader`: two servers flood stderr while mcpx's stdout is a real pipe that a
 * child process reads a little at a time. mcpx hands the terminal many lines per write(); the
 * reader must still get every line, in order, whole (less than the 4 MiB mcpx lets wait for a
 * terminal, so none may be left out).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, testPath } from '../helpers/cli.js';
import { until } from '../helpers/until.js';
import { fixture, fixtureWorkspace, removeWorkspaces } from '../helpers/workspace.js';

const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await removeWorkspaces();
});

// 2 x 12,000 formatted lines of about 95 bytes: 2.3 MB, under what mcpx dev lets wait (4 MiB).
const LINES = 12_000;
const SERVERS = ['flood-a', 'flood-b'];

/** Reads its stdin in small steps with a pause after each, and passes on what it read. */
const SLOW_READER = `
process.stdin.on('data', (chunk) => {
  process.stdout.write(chunk);
  process.stdin.pause();
  setTimeout(() => process.stdin.resume(), 3);
});
`;

describe('mcpx dev | a slow reader', () => {
  it('gets every line of two flooding servers, in order and whole', async () => {
    const flood = {
      command: 'node',
      args: [fixture('stderr-flood')],
      env: { FLOOD_LINES: String(LINES) },
    };
    const dir = await fixtureWorkspace(Object.fromEntries(SERVERS.map((s) => [s, flood])));
    const reader = spawn(process.execPath, ['-e', SLOW_READER], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    children.push(reader);
    let output = '';
    reader.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
    const readerClosed = once(reader, 'close');
    const dev = spawn(process.execPath, [BIN, 'dev', '--no-watch', '--no-gateway'], {
      cwd: dir,
      env: { ...process.env, PATH: testPath(), NO_COLOR: '1', FORCE_COLOR: '0', CI: 'true' },
      stdio: ['ignore', reader.stdin, 'pipe'],
    });
    children.push(dev);
    let stderr = '';
    dev.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const exited = once(dev, 'exit');

    const done = (server: string): boolean =>
      new RegExp(`\\| ${server}\\s+\\| DONE ${LINES}\\n`).test(output);
    await until(
      'both DONE lines at the slow reader',
      () => SERVERS.every(done) || dev.exitCode !== null,
      { timeoutMs: 90_000, everyMs: 100 },
    );
    expect(dev.exitCode, stderr).toBeNull();
    dev.kill('SIGINT');
    await exited;
    // mcpx's end of the pipe is closed with it; the reader ends once it has read the rest.
    reader.stdin?.end();
    await readerClosed;

    const lines = output.split('\n');
    expect(lines.pop()).toBe('');
    expect(output).not.toMatch(/not shown/);
    const seen = new Map(SERVERS.map((s) => [s, [] as number[]]));
    for (const line of lines) {
      const flood = /^(\d\d:\d\d:\d\d\.\d{3}) \| (\S+)\s+\| line (\d+) (x*)$/.exec(line);
      if (flood === null) {
        // Only mcpx's own lines and the DONE lines besides: a torn flood line matches neither.
        expect(line).toMatch(/^\d\d:\d\d:\d\d\.\d{3} \| (mcpx|flood-a|flood-b)\s+\| (?!line )/);
        continue;
      }
      expect(flood[4], line).toHaveLength(64);
      seen.get(flood[2]!)!.push(Number(flood[3]));
    }
    const all = Array.from({ length: LINES }, (_, i) => i + 1);
    for (const server of SERVERS) expect(seen.get(server), server).toEqual(all);
  }, 120_000);
});
