// A real `mcpx dev` with its gateway, for tests that talk to the cluster as an MCP client would.
import { cp, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DevProcess, startDevProcess } from './dev-process.js';
import { freePort } from './ports.js';
import { processesUnder, waitForExit } from './processes.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/**
 * A copy of examples/ in a new temp folder (without its .mcpx state), whose node_modules is the
 * repository's: the example servers resolve the SDK and mcp-runtime from there, as examples/ does.
 */
export async function copyExamples(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mcpx-examples-'));
  await cp(join(REPO, 'examples'), dir, {
    recursive: true,
    filter: (source) => !/[/\\](\.mcpx|node_modules)([/\\]|$)/.test(source.slice(REPO.length)),
  });
  await symlink(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

export interface GatewayCluster {
  dev: DevProcess;
  dir: string;
  /** The aggregate endpoint, `http://127.0.0.1:<port>/mcp`. */
  url: string;
  /** `/servers/<name>/mcp` of the same gateway. */
  serverUrl(name: string): string;
  /** The bearer token of .mcpx/gateway-token; undefined with --no-auth. */
  token: string | undefined;
  /** `Authorization: Bearer <token>` (or nothing with --no-auth), for an SDK transport's requestInit. */
  headers(): Record<string, string>;
  /**
   * SIGINT as a user stops it (SIGKILL after 20 s). Resolves with the processes still running under
   * `dir` afterwards, killed now: a test expects none.
   */
  stop(): Promise<number[]>;
}

/**
 * `mcpx dev` in `dir` with the gateway on a free port; resolves once it printed the gateway's URL
 * (every server ready). `args` adds flags (`--no-auth`).
 */
export async function startGateway(dir: string, args: string[] = []): Promise<GatewayCluster> {
  const port = await freePort();
  const dev = startDevProcess(dir, ['--no-watch', '--gateway-port', String(port), ...args]);
  const stop = async (): Promise<number[]> => {
    if (dev.child.exitCode === null && dev.child.signalCode === null) {
      dev.child.kill('SIGINT');
      if (!(await waitForExit(dev.pid, 20_000))) dev.child.kill('SIGKILL');
    }
    const left = processesUnder(dir);
    for (const pid of left) process.kill(pid, 'SIGKILL');
    return left;
  };
  let line: string;
  try {
    line = await dev.waitFor(/gateway http:\/\/\S+\/mcp/, 90_000);
  } catch (error) {
    await stop();
    throw error;
  }
  const url = /(http:\/\/\S+\/mcp)/.exec(line)![1]!;
  const token = args.includes('--no-auth')
    ? undefined
    : (await readFile(join(dir, '.mcpx/gateway-token'), 'utf8')).trim();
  return {
    dev,
    dir,
    url,
    serverUrl: (name) => url.replace(/\/mcp$/, `/servers/${name}/mcp`),
    token,
    headers: (): Record<string, string> =>
      token === undefined ? {} : { Authorization: `Bearer ${token}` },
    stop,
  };
}

/** Removes a folder a test made, retrying while a process that just exited still holds files. */
export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true, maxRetries: 5 });
}
