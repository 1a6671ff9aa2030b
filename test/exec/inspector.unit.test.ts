import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { McpxError } from '../../src/errors.js';
import {
  INSPECTOR_PACKAGE,
  deepLink,
  inspectorCommand,
  looksOffline,
  parseWebLine,
} from '../../src/exec/inspector.js';

let nodeDir: string;
let elsewhere: string;

beforeAll(async () => {
  nodeDir = await mkdtemp(join(tmpdir(), 'mcpx-inspector-node-'));
  elsewhere = await mkdtemp(join(tmpdir(), 'mcpx-inspector-path-'));
  await writeFile(join(elsewhere, 'npx'), '');
});

afterAll(async () => {
  for (const dir of [nodeDir, elsewhere]) await rm(dir, { recursive: true, force: true });
});

function refusal(run: () => unknown): McpxError {
  try {
    run();
  } catch (error) {
    if (error instanceof McpxError) return error;
    throw error;
  }
  throw new Error('no McpxError');
}

describe('inspectorCommand', () => {
  it('refuses a Node older than 22.19 with exit 2, saying what to do', () => {
    for (const version of ['22.18.0', '20.19.5', '21.99.0']) {
      const error = refusal(() =>
        inspectorCommand({ PATH: elsewhere }, version, join(nodeDir, 'node')),
      );
      expect(error.exitCode).toBe(2);
      expect(error.message).toContain(`Node >= 22.19.0; mcpx runs on Node ${version}`);
      expect(error.hint).toContain('upgrade Node');
    }
  });

  it("runs npx's package on the Node that runs mcpx when it is new enough", () => {
    for (const version of ['22.19.0', '22.20.1', '24.21.0']) {
      const launch = inspectorCommand({ PATH: elsewhere }, version, join(nodeDir, 'node'));
      expect(launch.command).toBe(join(elsewhere, 'npx'));
      expect(launch.args).toEqual(['-y', INSPECTOR_PACKAGE]);
      expect(launch.env.PATH?.split(':')[0]).toBe(nodeDir);
    }
  });

  it('says so when there is no npx', () => {
    const error = refusal(() =>
      inspectorCommand({ PATH: nodeDir }, '24.0.0', join(nodeDir, 'node')),
    );
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain('npx was not found');
    expect(error.hint).toContain('MCPX_INSPECTOR_BIN');
  });

  it('runs MCPX_INSPECTOR_BIN with the Node of mcpx, and refuses one that is not there', () => {
    const bin = join(elsewhere, 'npx');
    const launch = inspectorCommand(
      { PATH: '', MCPX_INSPECTOR_BIN: bin },
      '24.0.0',
      join(nodeDir, 'node'),
    );
    expect([launch.command, ...launch.args]).toEqual([join(nodeDir, 'node'), bin]);
    const error = refusal(() =>
      inspectorCommand({ MCPX_INSPECTOR_BIN: 'relative/bin.js' }, '24.0.0', '/x/node'),
    );
    expect(error.message).toContain('MCPX_INSPECTOR_BIN is relative/bin.js: no such file');
  });
});

describe('the web UI line and the deep link', () => {
  it('reads the URL and the per-launch token, and links with autoConnect set to it', () => {
    const web = parseWebLine('   http://127.0.0.1:6391?MCP_INSPECTOR_API_TOKEN=53ad97');
    expect(web?.token).toBe('53ad97');
    const link = deepLink(web!, { url: new URL('http://127.0.0.1:7330/mcp'), transport: 'http' });
    expect(link.href).toBe(
      'http://127.0.0.1:6391/?MCP_INSPECTOR_API_TOKEN=53ad97&serverUrl=http%3A%2F%2F127.0.0.1%3A7330%2Fmcp&transport=http&autoConnect=53ad97',
    );
    expect(parseWebLine('Starting MCP inspector...')).toBeUndefined();
  });

  it('tells an unreachable registry from other failures', () => {
    expect(looksOffline('npm error code ENOTFOUND\nnpm error network request to ...')).toBe(true);
    expect(looksOffline('Error: Cannot find module x')).toBe(false);
  });
});
