/**
 * Acceptance of #10: the MCP Inspector's CLI (`@modelcontextprotocol/inspector --cli`, major 2,
 * installed by the test) lists and calls what every example server offers through the gateway,
 * with the gateway's bearer token as a header: the aggregate /mcp (prefixed names) and each
 * server's /servers/<name>/mcp (names as the server has them).
 *
 * Of the example servers only text-kit has tools; docs offers resources and writing prompts, so for
 * those "calling" is resources/read and prompts/get.
 *
 * The Inspector wants Node >= 22.19: it runs on the Node that runs the tests (the project's, 24).
 */
import { execa } from 'execa';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testPath } from '../helpers/cli.js';
import { type GatewayCluster, copyExamples, removeDir, startGateway } from '../helpers/gateway.js';
import { installPinned } from '../helpers/npm-package.js';

const INSPECTOR = '2.12.0';

let bin: string;
let dir: string;
let home: string;
let cluster: GatewayCluster;

beforeAll(async () => {
  const [inspector, workspace] = await Promise.all([
    installPinned('@modelcontextprotocol/inspector', INSPECTOR),
    copyExamples(),
  ]);
  bin = await inspector.bin('mcp-inspector');
  dir = workspace;
  // The Inspector keeps a catalog and OAuth state under ~/.mcp-inspector: a home of its own.
  home = await mkdtemp(join(tmpdir(), 'mcpx-inspector-home-'));
  cluster = await startGateway(dir);
}, 240_000);

afterAll(async () => {
  const left = await cluster?.stop();
  for (const folder of [dir, home]) if (folder !== undefined) await removeDir(folder);
  expect(left ?? []).toEqual([]);
}, 60_000);

interface Inspected {
  exitCode: number | undefined;
  /** stdout parsed as JSON (the CLI's `--format json`), or undefined when it is not JSON. */
  json: { result?: Record<string, unknown>; error?: { code: string; message: string } } | undefined;
  output: string;
}

/**
 * `mcp-inspector --cli <url> --transport http ... --format json`, with the gateway's token, or
 * `token` instead (null: no Authorization header).
 */
async function inspect(
  url: string,
  args: string[],
  token: string | null = cluster.token ?? null,
): Promise<Inspected> {
  const auth = token === null ? [] : ['--header', `Authorization: Bearer ${token}`];
  const run = await execa(
    process.execPath,
    [bin, '--cli', url, '--transport', 'http', ...args, '--format', 'json', ...auth],
    {
      reject: false,
      stdin: 'ignore',
      extendEnv: false,
      env: { PATH: testPath(), HOME: home, NO_COLOR: '1', MCP_AUTO_OPEN_ENABLED: 'false' },
      timeout: 60_000,
    },
  );
  let json: Inspected['json'];
  try {
    json = JSON.parse(run.stdout) as Inspected['json'];
  } catch {
    json = undefined;
  }
  return { exitCode: run.exitCode, json, output: `${run.stdout}\n${run.stderr}` };
}

/** `tools/call` of `tool` on `url` with `--tool-arg key=value ...`. */
function callTool(url: string, tool: string, ...args: string[]): Promise<Inspected> {
  return inspect(url, ['--method', 'tools/call', '--tool-name', tool, '--tool-arg', ...args]);
}

const names = (items: unknown): string[] =>
  (items as { name: string }[]).map((item) => item.name).sort();

describe('the aggregate /mcp', () => {
  it('lists the tools of text-kit, the resources of docs and the prompts of writing', async () => {
    const tools = await inspect(cluster.url, ['--method', 'tools/list']);
    expect(tools.exitCode, tools.output).toBe(0);
    expect(names(tools.json?.result?.tools)).toEqual([
      'text-kit__convert_units',
      'text-kit__count_words',
      'text-kit__hash_text',
    ]);
    const resources = await inspect(cluster.url, ['--method', 'resources/list']);
    expect(resources.exitCode, resources.output).toBe(0);
    // Resource URIs are unique across the example servers: they stay as the server wrote them.
    expect((resources.json?.result?.resources as { uri: string }[]).map((r) => r.uri)).toContain(
      'docs://index',
    );
    const prompts = await inspect(cluster.url, ['--method', 'prompts/list']);
    expect(prompts.exitCode, prompts.output).toBe(0);
    expect(names(prompts.json?.result?.prompts)).toEqual([
      'writing__review_code',
      'writing__summarize',
    ]);
  });

  it('calls every tool of text-kit by its prefixed name', async () => {
    const convert = await callTool(
      cluster.url,
      'text-kit__convert_units',
      'value=1',
      'from=km',
      'to=m',
    );
    expect(convert.exitCode, convert.output).toBe(0);
    expect(convert.json?.result?.structuredContent).toMatchObject({
      quantity: 'length',
      result: 1000,
    });
    const count = await callTool(cluster.url, 'text-kit__count_words', 'text=one two three');
    expect(count.exitCode, count.output).toBe(0);
    expect(count.json?.result?.structuredContent).toMatchObject({ words: 3, lines: 1 });
    const hash = await callTool(cluster.url, 'text-kit__hash_text', 'text=abc');
    expect(hash.exitCode, hash.output).toBe(0);
    expect(hash.json?.result?.structuredContent).toMatchObject({
      algorithm: 'sha256',
      digest: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    });
  });

  it('reads a resource of docs and gets a prompt of writing', async () => {
    const read = await inspect(cluster.url, [
      '--method',
      'resources/read',
      '--uri',
      'docs://index',
    ]);
    expect(read.exitCode, read.output).toBe(0);
    expect(JSON.stringify(read.json?.result?.contents)).toContain('docs://getting-started');
    const prompt = await inspect(cluster.url, [
      '--method',
      'prompts/get',
      '--prompt-name',
      'writing__summarize',
      '--prompt-args',
      'text=The gateway forwards calls.',
      'style=tldr',
    ]);
    expect(prompt.exitCode, prompt.output).toBe(0);
    expect(JSON.stringify(prompt.json?.result?.messages)).toContain('The gateway forwards calls.');
  });

  it('is refused without the token and with a wrong one (the Inspector exits 3: auth)', async () => {
    const none = await inspect(cluster.url, ['--method', 'tools/list'], null);
    expect(none.exitCode, none.output).toBe(3);
    const wrong = await inspect(cluster.url, ['--method', 'tools/list'], 'not-the-token');
    expect(wrong.exitCode, wrong.output).toBe(3);
  });
});

describe('each server on /servers/<name>/mcp', () => {
  it('text-kit: lists its tools unprefixed and calls one', async () => {
    const url = cluster.serverUrl('text-kit');
    const tools = await inspect(url, ['--method', 'tools/list']);
    expect(tools.exitCode, tools.output).toBe(0);
    expect(names(tools.json?.result?.tools)).toEqual(['convert_units', 'count_words', 'hash_text']);
    const call = await callTool(url, 'convert_units', 'value=100', 'from=C', 'to=F');
    expect(call.exitCode, call.output).toBe(0);
    expect(call.json?.result?.structuredContent).toMatchObject({
      quantity: 'temperature',
      result: 212,
    });
  });

  it('docs: lists its resources and reads one', async () => {
    const url = cluster.serverUrl('docs');
    const list = await inspect(url, ['--method', 'resources/list']);
    expect(list.exitCode, list.output).toBe(0);
    expect((list.json?.result?.resources as { uri: string }[]).map((r) => r.uri)).toContain(
      'docs://glossary',
    );
    const read = await inspect(url, ['--method', 'resources/read', '--uri', 'docs://glossary']);
    expect(read.exitCode, read.output).toBe(0);
    expect((read.json?.result?.contents as { mimeType: string }[])[0]?.mimeType).toBe(
      'text/markdown',
    );
  });

  it('writing: lists its prompts unprefixed and gets one', async () => {
    const url = cluster.serverUrl('writing');
    const list = await inspect(url, ['--method', 'prompts/list']);
    expect(list.exitCode, list.output).toBe(0);
    expect(names(list.json?.result?.prompts)).toEqual(['review_code', 'summarize']);
    const prompt = await inspect(url, [
      '--method',
      'prompts/get',
      '--prompt-name',
      'review_code',
      '--prompt-args',
      'code=let x = 1',
      'language=typescript',
    ]);
    expect(prompt.exitCode, prompt.output).toBe(0);
    expect(JSON.stringify(prompt.json?.result?.messages)).toContain('let x = 1');
  });
});
