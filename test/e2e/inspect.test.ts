/**
 * `mcpx inspect` (#11 point 3) with the real MCP Inspector 2.12.0, installed by the test through the
 * npm cache helper and run by mcpx from there (MCPX_INSPECTOR_BIN), so that no test downloads it
 * through npx: the CLI mode through the gateway of a running `mcpx dev` (the acceptance bullet),
 * the web UI's deep link and its stop, and a server inspected directly with no cluster running.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, mcpx, testPath } from '../helpers/cli.js';
import { type GatewayCluster, copyExamples, removeDir, startGateway } from '../helpers/gateway.js';
import { installPinned } from '../helpers/npm-package.js';
import { freePort } from '../helpers/ports.js';
import { descendantPids, isAlive, waitForExit } from '../helpers/processes.js';
import { skipWithout } from '../helpers/system-tool.js';
import { until } from '../helpers/until.js';

const INSPECTOR = '2.12.0';
/** Drives Debian's Chromium (no browser download) to open the deep link as a user would. */
const PLAYWRIGHT = '1.65.1';
const CHROMIUM = '/usr/bin/chromium';

let env: Record<string, string>;
let dir: string;
let idle: string;
let cluster: GatewayCluster;

beforeAll(async () => {
  const [inspector, workspace, second] = await Promise.all([
    installPinned('@modelcontextprotocol/inspector', INSPECTOR),
    copyExamples(),
    copyExamples(),
  ]);
  dir = workspace;
  idle = second;
  env = {
    MCPX_INSPECTOR_BIN: await inspector.bin('mcp-inspector'),
    // The Inspector keeps a catalog and OAuth state under ~/.mcp-inspector: a home of its own.
    HOME: await mkdtemp(join(tmpdir(), 'mcpx-inspect-home-')),
    MCP_INSPECTOR_SECRET_STORE: 'memory',
  };
  cluster = await startGateway(dir);
}, 240_000);

afterAll(async () => {
  const left = await cluster?.stop();
  for (const folder of [dir, idle, env?.HOME]) if (folder !== undefined) await removeDir(folder);
  expect(left ?? []).toEqual([]);
}, 60_000);

const names = (stdout: string): string[] =>
  (JSON.parse(stdout) as { result: { tools: { name: string }[] } }).result.tools
    .map((tool) => tool.name)
    .sort();

describe('mcpx inspect --cli', () => {
  it("lists the example cluster's prefixed tools through the gateway", async () => {
    const run = await mcpx(
      ['inspect', '--cli', '--', '--method', 'tools/list', '--format', 'json'],
      {
        cwd: dir,
        env,
      },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(names(run.stdout)).toEqual([
      'text-kit__convert_units',
      'text-kit__count_words',
      'text-kit__hash_text',
    ]);
  });

  it("lists one server's tools unprefixed on /servers/<name>/mcp, and calls one", async () => {
    const list = await mcpx(
      ['inspect', 'text-kit', '--cli', '--', '--method', 'tools/list', '--format', 'json'],
      { cwd: dir, env },
    );
    expect(list.exitCode, list.stderr).toBe(0);
    expect(names(list.stdout)).toEqual(['convert_units', 'count_words', 'hash_text']);
    const call = await mcpx(
      [
        'inspect',
        '--cli',
        '--',
        '--method',
        'tools/call',
        '--tool-name',
        'text-kit__count_words',
        '--tool-arg',
        'text=one two three',
        '--format',
        'json',
      ],
      { cwd: dir, env },
    );
    expect(call.exitCode, call.stderr).toBe(0);
    expect(JSON.parse(call.stdout)).toMatchObject({ result: { structuredContent: { words: 3 } } });
  });

  it("passes the Inspector's exit code on (5: a tool the gateway does not have)", async () => {
    const run = await mcpx(
      [
        'inspect',
        '--cli',
        '--',
        '--method',
        'tools/call',
        '--tool-name',
        'nope',
        '--format',
        'json',
      ],
      { cwd: dir, env },
    );
    expect(run.exitCode, `${run.stdout}\n${run.stderr}`).toBe(5);
  });

  it('refuses a server the cluster does not have, naming the closest (exit 2)', async () => {
    const run = await mcpx(['inspect', 'txt-kit', '--cli', '--', '--method', 'tools/list'], {
      cwd: dir,
      env,
    });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('There is no server "txt-kit"');
    expect(run.stderr).toContain('did you mean "text-kit"?');
  });
});

describe('mcpx inspect (the web UI)', () => {
  it('prints a deep link that opens the web UI connected to the gateway, and stops the Inspector on SIGTERM', async () => {
    const child: ChildProcess = spawn(process.execPath, [BIN, 'inspect'], {
      cwd: dir,
      env: {
        ...process.env,
        ...env,
        PATH: testPath(),
        NO_COLOR: '1',
        FORCE_COLOR: '0',
        CI: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Its exit code as Node reports it: after the process is gone, 'exit' still has to be handled.
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    let output = '';
    child.stdout?.setEncoding('utf8').on('data', (text: string) => (output += text));
    child.stderr?.setEncoding('utf8').on('data', (text: string) => (output += text));
    let inspector: number[] = [];
    try {
      await until('the deep link of mcpx inspect', () => /^Open http\S+$/m.test(output), {
        timeoutMs: 90_000,
      });
      const link = new URL(/^Open (http\S+)$/m.exec(output)![1]!);
      const token = link.searchParams.get('MCP_INSPECTOR_API_TOKEN');
      expect(token).toMatch(/^[0-9a-f]{32,}$/);
      expect(link.searchParams.get('autoConnect')).toBe(token);
      expect(link.searchParams.get('serverUrl')).toBe(cluster.url);
      expect(link.searchParams.get('transport')).toBe('http');
      // Its banner's token-bearing lines are replaced by the deep link, not repeated.
      expect(output).not.toContain('Auth token:');
      if (!skipWithout(CHROMIUM, 'chromium')) await expectConnected(link);
      inspector = descendantPids(child.pid!);
      expect(inspector.length).toBeGreaterThan(0);
    } finally {
      child.kill('SIGTERM');
      if (!(await waitForExit(child.pid!, 20_000))) child.kill('SIGKILL');
    }
    expect(await exited, output).toBe(0);
    await until('the processes of the Inspector to end', () => !inspector.some(isAlive), {
      timeoutMs: 10_000,
    });
  }, 240_000);
});

/** What the test uses of playwright-core (installed by the test, so its types are not at hand). */
interface Locator {
  waitFor(options: { timeout: number }): Promise<void>;
  click(): Promise<void>;
  first(): Locator;
}
interface Chromium {
  launch(options: { executablePath: string; args: string[] }): Promise<{
    newPage(): Promise<{
      goto(url: string): Promise<unknown>;
      getByText(text: string, options?: { exact: boolean }): Locator;
    }>;
    close(): Promise<void>;
  }>;
}

/**
 * Opens the deep link in headless Chromium and waits until the web UI says it is connected and
 * lists the cluster's tools: the link is only worth printing if one click gets there (a link whose
 * server entry lacks the token header gets 401 from the gateway and shows "Disconnected").
 */
async function expectConnected(link: URL): Promise<void> {
  const playwright = await installPinned('playwright-core', PLAYWRIGHT);
  const { chromium } = (await import(join(playwright.dir, 'index.mjs'))) as { chromium: Chromium };
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    // As root (CI) Chromium needs --no-sandbox; the rest keep it off a closed network.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const page = await browser.newPage();
    await page.goto(link.href);
    await page.getByText('Connected', { exact: true }).waitFor({ timeout: 60_000 });
    // The header's tabs (Servers, Tools, Prompts, Resources) are a segmented control, not buttons.
    await page.getByText('Tools', { exact: true }).first().click();
    await page.getByText('text-kit__count_words').first().waitFor({ timeout: 60_000 });
  } finally {
    await browser.close();
  }
}

describe('with no mcpx dev running', () => {
  it('inspects a stdio server directly, started from the manifest', async () => {
    const run = await mcpx(
      ['inspect', 'text-kit', '--cli', '--', '--method', 'tools/list', '--format', 'json'],
      { cwd: idle, env },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(names(run.stdout)).toEqual(['convert_units', 'count_words', 'hash_text']);
  });

  it('says to start mcpx dev, or to name a server, when there is no gateway (exit 4)', async () => {
    const run = await mcpx(['inspect', '--cli', '--', '--method', 'tools/list'], {
      cwd: idle,
      env,
    });
    expect(run.exitCode).toBe(4);
    expect(run.stderr).toContain('mcpx dev is not running');
    expect(run.stderr).toContain('mcpx inspect <server>');
  });

  it('refuses an http server that mcpx starts, saying to run mcpx dev (exit 4)', async () => {
    const run = await mcpx(['inspect', 'docs', '--cli', '--', '--method', 'tools/list'], {
      cwd: idle,
      env,
    });
    expect(run.exitCode).toBe(4);
    expect(run.stderr).toContain('Server docs is an http server that mcpx starts');
  });
});

describe('without the Inspector installed', () => {
  it('says that npx cannot download it when the registry is unreachable (exit 4)', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'mcpx-inspect-npm-cache-'));
    try {
      const run = await mcpx(['inspect', 'text-kit', '--cli', '--', '--method', 'tools/list'], {
        cwd: idle,
        env: {
          ...env,
          MCPX_INSPECTOR_BIN: undefined,
          // An empty npx cache and a registry on a port nothing listens on: offline, quickly.
          npm_config_cache: cache,
          npm_config_registry: `http://127.0.0.1:${await freePort()}/`,
          npm_config_fetch_retries: '0',
        },
      });
      expect(run.exitCode, run.stderr).toBe(4);
      expect(run.stderr).toContain(
        'npx @modelcontextprotocol/inspector@2 could not be downloaded: npm cannot reach its registry (offline?)',
      );
    } finally {
      await removeDir(cache);
    }
  }, 120_000);
});
