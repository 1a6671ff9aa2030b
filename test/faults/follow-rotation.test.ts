/**
 * Fault test: `mcpx logs --follow` against a writer in another process that rotates very fast
 * (2 KiB files, 5 kept: hundreds of rotations a second) while writing many small events. Every
 * run, the follower either prints every event, once and in order, or says where it lost some: the
 * events on each side of a gap warning run in order without holes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/logs/event.js';
import { BIN, testPath } from '../helpers/cli.js';
import { until } from '../helpers/until.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const WRITER = join(REPO, 'test/fixtures/log-writer.ts');
const TOTAL = 20_000;
const children: ChildProcess[] = [];
const dirs: string[] = [];

afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

function run(args: string[], env: Record<string, string>, cwd: string) {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, PATH: testPath(), NO_COLOR: '1', CI: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

/** The numbers of `event N` lines, split where the follower reported a gap. */
function segments(events: LogEvent[]): { runs: number[][]; gaps: string[] } {
  const runs: number[][] = [[]];
  const gaps: string[] = [];
  for (const event of events) {
    if (event.server === 'mcpx') {
      gaps.push(event.msg);
      runs.push([]);
    } else runs.at(-1)!.push(Number(event.msg.replace(/^event /, '')));
  }
  return { runs, gaps };
}

describe('mcpx logs --follow under very fast rotation', () => {
  it.each([1, 2, 3, 4, 5])(
    'gets every event in order or reports the gap (run %i)',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'mcpx-follow-'));
      dirs.push(dir);
      await writeFile(join(dir, 'mcpx.json'), JSON.stringify({ mcpServers: {} }));
      const logDir = join(dir, '.mcpx/logs');
      // One event before the writer starts: once the follower prints it, it is following.
      await mkdir(logDir, { recursive: true });
      const ready: LogEvent = {
        time: new Date().toISOString(),
        server: 'chatty',
        replica: 0,
        stream: 'stderr',
        level: 'info',
        msg: 'ready',
      };
      await writeFile(join(logDir, '000001.jsonl'), `${JSON.stringify(ready)}\n`);
      const follow = run([BIN, 'logs', '--follow', '--json', '-n', '1'], {}, dir);
      await until('the follower to start', () => follow.stdout().includes('"ready"'), {
        timeoutMs: 30_000,
      });
      const writer = run(
        ['--import', 'tsx', WRITER],
        { LOG_DIR: logDir, LOG_EVENTS: String(TOTAL) },
        REPO,
      );
      expect(await writer.exited, writer.stderr()).toBe(0);
      // The last event is in the live segment, which is never pruned: the follower gets to it.
      await until('the last event', () => follow.stdout().includes(`"event ${TOTAL - 1}"`), {
        timeoutMs: 60_000,
      });
      follow.child.kill('SIGINT');
      expect(await follow.exited, follow.stderr()).toBe(0);

      const events = follow
        .stdout()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as LogEvent)
        .filter((event) => event.msg !== 'ready');
      const { runs, gaps } = segments(events);
      for (const gap of gaps) expect(gap).toMatch(/^mcpx logs fell behind: /);
      // Each run between gaps is consecutive, and each gap is where events went missing.
      let next = 0;
      for (const [i, numbers] of runs.entries()) {
        if (numbers.length === 0) continue;
        if (i === 0) expect(numbers[0], 'the first event').toBe(0);
        else expect(numbers[0]!, `the events after gap ${i}`).toBeGreaterThan(next);
        expect(numbers, `events ${numbers[0]} on have holes`).toEqual(
          Array.from({ length: numbers.length }, (_, k) => numbers[0]! + k),
        );
        next = numbers.at(-1)! + 1;
      }
      expect(next).toBe(TOTAL);
      const received = runs.reduce((sum, r) => sum + r.length, 0);
      const lost = TOTAL - received;
      expect(lost === 0 || gaps.length > 0, `${lost} events lost without a warning`).toBe(true);
    },
    90_000,
  );
});
