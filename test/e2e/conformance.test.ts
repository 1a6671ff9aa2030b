/**
 * Acceptance of #10: the official MCP conformance suite (@modelcontextprotocol/conformance, installed
 * by the test, pinned) runs its generic server scenarios against the gateway of the example
 * workspace: the aggregate /mcp and each server's /servers/<name>/mcp.
 *
 * The suite cannot send request headers: its client is the SDK's StreamableHTTPClientTransport
 * without requestInit, and its raw requests (session id, DELETE, DNS rebinding) set only MCP's own
 * headers. So this cluster runs with `mcpx dev --no-auth`; the bearer check has tests of its own.
 */
import { execa } from 'execa';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayCluster, copyExamples, removeDir, startGateway } from '../helpers/gateway.js';
import { installPinned } from '../helpers/npm-package.js';

/** 0.2.0-alpha.12 is the first release with server-session-lifecycle; 0.1.16 lacks it. */
const CONFORMANCE = '0.2.0-alpha.12';

/**
 * The generic server scenarios of the issue, each with the checks that must be SUCCESS (a scenario
 * may also pass by skipping: a stateless server skips the session lifecycle, which the gateway is not).
 * Every other check the suite adds (wire-schema-valid: every message valid per the spec's schema)
 * must not fail.
 */
const SCENARIOS: Record<string, string[]> = {
  'server-initialize': ['server-initialize', 'server-session-id-visible-ascii'],
  ping: ['ping'],
  'tools-list': ['tools-list'],
  'resources-list': ['resources-list'],
  'prompts-list': ['prompts-list'],
  'logging-set-level': ['logging-set-level'],
  'dns-rebinding-protection': [
    'localhost-host-rebinding-rejected',
    'localhost-host-valid-accepted',
  ],
  'server-session-lifecycle': [
    'server-session-initialized-accepted',
    'server-session-delete-accepted',
    'server-session-terminated-returns-404',
  ],
};

interface Check {
  id: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED';
  errorMessage?: string;
  details?: unknown;
}

let bin: string;
let dir: string;
let cluster: GatewayCluster;
let results: string;

beforeAll(async () => {
  const [suite, workspace] = await Promise.all([
    installPinned('@modelcontextprotocol/conformance', CONFORMANCE),
    copyExamples(),
  ]);
  bin = await suite.bin('conformance');
  dir = workspace;
  results = await mkdtemp(join(tmpdir(), 'mcpx-conformance-'));
  cluster = await startGateway(dir, ['--no-auth']);
}, 240_000);

afterAll(async () => {
  const left = await cluster?.stop();
  if (dir !== undefined) await removeDir(dir);
  if (results !== undefined) await removeDir(results);
  expect(left ?? []).toEqual([]);
}, 60_000);

/** Runs one scenario against `url` and returns its checks (as the suite saved them in checks.json). */
async function runScenario(
  url: string,
  scenario: string,
): Promise<{ checks: Check[]; output: string }> {
  const out = await mkdtemp(join(results, `${scenario}-`));
  const run = await execa(
    process.execPath,
    [bin, 'server', '--url', url, '--scenario', scenario, '-o', out],
    {
      reject: false,
      stdin: 'ignore',
      env: { NO_COLOR: '1', FORCE_COLOR: '0' },
      timeout: 90_000,
    },
  );
  const output = `${run.stdout}\n${run.stderr}`;
  const [folder] = (await readdir(out)).filter((name) => name.startsWith(`server-${scenario}-`));
  if (folder === undefined)
    throw new Error(`conformance saved no checks (exit ${run.exitCode}):\n${output}`);
  const checks = JSON.parse(await readFile(join(out, folder, 'checks.json'), 'utf8')) as Check[];
  return { checks, output };
}

const ENDPOINTS: [string, (c: GatewayCluster) => string][] = [
  ['/mcp', (c) => c.url],
  ['/servers/text-kit/mcp', (c) => c.serverUrl('text-kit')],
  ['/servers/docs/mcp', (c) => c.serverUrl('docs')],
  ['/servers/writing/mcp', (c) => c.serverUrl('writing')],
];

describe.each(ENDPOINTS)('conformance against %s', (_path, endpoint) => {
  it.each(Object.keys(SCENARIOS))('%s', async (scenario) => {
    const { checks, output } = await runScenario(endpoint(cluster), scenario);
    // The failing checks with their details (requests sent, responses got) say what to fix.
    expect(
      checks.filter((c) => c.status === 'FAILURE'),
      output,
    ).toEqual([]);
    const required = Object.fromEntries(
      SCENARIOS[scenario]!.map((id) => [id, checks.find((c) => c.id === id)?.status]),
    );
    expect(required).toEqual(Object.fromEntries(SCENARIOS[scenario]!.map((id) => [id, 'SUCCESS'])));
  });
});
