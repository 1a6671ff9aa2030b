/**
 * Fault test: a server whose name, version, tool names and descriptions, errors, stderr lines and
 * crash output all carry terminal escapes (OSC 52 clipboard write, window title, clear-screen, bell,
 * backspace, NUL, a C1 CSI, a bidi override, U+FFFF: test/fixtures/escapes.ts). None of it reaches
 * the output of `mcpx smoke`, `status`, `dev` or `logs` raw, text or --json; it shows as escapes;
 * and the JUnit file parses with a strict XML parser.
 */
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SaxesParser } from 'saxes';
import { afterAll, describe, expect, it } from 'vitest';
import { mcpx } from '../helpers/cli.js';
import { type DevProcess, startDevProcess } from '../helpers/dev-process.js';
import { until } from '../helpers/until.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = join(REPO, 'test/fixtures/escapes.ts');
const dirs: string[] = [];
const devs: DevProcess[] = [];

afterAll(async () => {
  for (const dev of devs) if (dev.child.exitCode === null) dev.child.kill('SIGKILL');
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/**
 * Characters that must never reach a terminal raw: C0 controls but tab and newline, DEL, C1, bidi
 * controls, U+FFFF. With colours off (NO_COLOR), mcpx itself writes none of them.
 */
// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\uffff]/u;

function expectClean(output: string, what: string): void {
  const at = RAW.exec(output);
  expect(
    at,
    `${what} printed U+${at?.[0].charCodeAt(0).toString(16).padStart(4, '0')} raw near ${JSON.stringify(output.slice(Math.max(0, (at?.index ?? 0) - 40), (at?.index ?? 0) + 20))}`,
  ).toBeNull();
}

async function workspace(env: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mcpx-escapes-'));
  dirs.push(dir);
  await symlink(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  await writeFile(
    join(dir, 'mcpx.json'),
    JSON.stringify({
      mcpServers: {
        escapes: {
          command: 'node',
          args: [FIXTURE],
          env,
          smoke: { cases: [{ tool: 'nothing', expect: { text: 'fine' } }] },
        },
      },
    }),
  );
  return dir;
}

/** Whether a strict XML 1.0 parser accepts `xml`; the first error otherwise. */
function xmlError(xml: string): Error | undefined {
  const parser = new SaxesParser();
  let error: Error | undefined;
  parser.on('error', (e) => (error ??= e));
  parser.write(xml).close();
  return error;
}

describe('escape sequences from a server', () => {
  it('smoke shows them as escapes, in text, JSON and a JUnit file that parses', async () => {
    const dir = await workspace();
    const junit = join(dir, 'smoke.xml');
    const text = await mcpx(['smoke', '--reporter', 'junit', '--output', junit], { cwd: dir });
    expect(text.exitCode, text.stdout + text.stderr).toBe(1);
    expectClean(text.stdout + text.stderr, 'mcpx smoke');
    // What the server sent is there to read: its name, tool name, error and stderr.
    expect(text.stdout).toContain('escapes\\x1b]52;c;cHduZWQ=\\x07\\x1b]0;pwned\\x07');
    expect(text.stdout).toContain('boom\\x1b]52;c;');
    expect(text.stdout).toContain('it broke\\x1b]52;c;');
    expect(text.stdout).toContain('\\x9b31m\\u202eevil\\uffff');
    expect(text.stdout).toContain('INFO escapes ready\\x1b]52;c;');

    const xml = await readFile(junit, 'utf8');
    expectClean(xml.replaceAll('\n', ' '), 'the JUnit file');
    expect(xmlError(xml)).toBeUndefined();
    expect(xml).toContain('it broke\\x1b]52;c;');

    const json = await mcpx(['smoke', '--json'], { cwd: dir });
    expect(json.exitCode).toBe(1);
    expectClean(json.stdout, 'mcpx smoke --json');
    const report = JSON.parse(json.stdout) as { servers: { stderr: string[] }[] };
    // Escaped as JSON, the value is still exactly what the server wrote.
    expect(report.servers[0]?.stderr.join('\n')).toContain('\u009b31m\u202eevil\uffff');
  }, 60_000);

  it('dev, status and logs show them as escapes, also once the server crashed', async () => {
    const dir = await workspace({ ESCAPES_CRASH_MS: '300' });
    const dev = startDevProcess(dir);
    devs.push(dev);
    let raw = '';
    dev.child.stdout?.on('data', (chunk: string) => (raw += chunk));
    dev.child.stderr?.on('data', (chunk: string) => (raw += chunk));
    await dev.waitFor(/escapes +\| .*crashed on purpose/, 30_000);
    await dev.waitFor(/escapes +\| .*crashed: /, 30_000);

    const status = await mcpx(['status'], { cwd: dir, env: { COLUMNS: '400' } });
    expect(status.exitCode, status.stderr).toBe(0);
    expectClean(status.stdout + status.stderr, 'mcpx status');
    expect(status.stdout).toMatch(/crashed: .*\\x1b\]52;c;/);
    const statusJson = await mcpx(['status', '--json'], { cwd: dir });
    expectClean(statusJson.stdout, 'mcpx status --json');
    expect(
      (JSON.parse(statusJson.stdout) as { replicas: { lastError?: string }[] }).replicas[0]
        ?.lastError,
    ).toContain('\u009b31m\u202eevil');

    for (const args of [
      ['logs', '-n', '200'],
      ['logs', '-n', '200', '--json'],
    ]) {
      const logs = await mcpx(args, { cwd: dir });
      expect(logs.exitCode, logs.stderr).toBe(0);
      expectClean(logs.stdout + logs.stderr, `mcpx ${args.join(' ')}`);
      expect(logs.stdout).toContain('crashed on purpose');
    }
    const text = await mcpx(['logs', '-n', '200'], { cwd: dir });
    expect(text.stdout).toContain('INFO escapes ready\\x1b]52;c;cHduZWQ=\\x07\\x1b]0;pwned\\x07');

    dev.child.kill('SIGINT');
    expect((await dev.exited).code).toBe(0);
    await until('the dev output to end', () => dev.child.stdout?.readableEnded === true);
    expectClean(raw, 'mcpx dev');
    expect(raw).toContain('\\x1b[2J\\x1b[H\\x07\\x08\\x08\\x00\\x9b31m\\u202eevil\\uffff');
  }, 90_000);
});
