/**
 * `url` servers that do not answer the transport mcpx speaks to them: a legacy SSE server given
 * "type": "http", and a path where neither transport is. The built `mcpx dev` and `mcpx smoke` say
 * what answered (status, content type, first line of the body) to which transport, and what to
 * change; never the raw error page, nor a generic initialize timeout. The SSE server is the real
 * test/fixtures/good-sse.ts, run by the test on 127.0.0.1.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpx } from '../helpers/cli.js';
import { type DevProcess, startDevProcess } from '../helpers/dev-process.js';
import { freePort } from '../helpers/ports.js';
import { waitForExit } from '../helpers/processes.js';
import { until } from '../helpers/until.js';
import { fixture, fixtureWorkspace, removeWorkspaces } from '../helpers/workspace.js';

let server: ChildProcess;
let base: string;
let dir: string;
let dev: DevProcess | undefined;

beforeAll(async () => {
  const port = await freePort();
  server = spawn(process.execPath, [fixture('good-sse')], {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let text = '';
  server.stderr?.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  await until('good-sse to listen', () => text.includes('ready on'), { timeoutMs: 20_000 });
  base = `http://127.0.0.1:${port}`;
  dir = await fixtureWorkspace({
    legacy: { url: `${base}/sse`, type: 'http' },
    nowhere: { url: `${base}/nope` },
  });
}, 60_000);

afterAll(async () => {
  for (const child of [dev?.child, server]) {
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) continue;
    child.kill('SIGINT');
    if (!(await waitForExit(child.pid ?? -1, 15_000))) child.kill('SIGKILL');
  }
  await removeWorkspaces();
});

const LEGACY = (base: string): string =>
  `${base}/sse answered Streamable HTTP's POST with 404 Not Found (text/html; charset=utf-8): "<!DOCTYPE html>"; if it is a legacy SSE server, set "type": "sse" (or leave "type" out: mcpx then tries SSE after Streamable HTTP), else check the URL`;
const NOWHERE = (base: string): string =>
  `${base}/nope answered Streamable HTTP's POST with 404 Not Found (text/html; charset=utf-8): "<!DOCTYPE html>", then legacy SSE's GET with 404 Not Found (text/html; charset=utf-8): "<!DOCTYPE html>"; check the URL (SSE servers usually serve GET /sse; Streamable HTTP ones POST /mcp)`;

describe('a url server that does not speak the transport tried', () => {
  it('mcpx dev says what answered to which transport, at once', async () => {
    dev = startDevProcess(dir, ['--no-watch', '--no-gateway']);
    const legacy = await dev.waitFor(/legacy\s+\| unreachable: /, 30_000);
    expect(legacy).toContain(`unreachable: ${LEGACY(base)}; trying again in`);
    const nowhere = await dev.waitFor(/nowhere\s+\| unreachable: /, 30_000);
    expect(nowhere).toContain(`unreachable: ${NOWHERE(base)}; trying again in`);
    for (const line of [legacy, nowhere]) {
      expect(line).not.toContain('Cannot POST');
      expect(line).not.toContain('did not complete initialize');
    }
  }, 60_000);

  it('mcpx smoke fails their start with the same words', async () => {
    const result = await mcpx(['smoke'], { cwd: dir });
    // 4: a server could not be reached.
    expect(result.exitCode).toBe(4);
    expect(result.stdout).toContain(LEGACY(base));
    expect(result.stdout).toContain(NOWHERE(base));
    expect(result.stdout).not.toContain('Cannot POST');
  }, 60_000);
});
