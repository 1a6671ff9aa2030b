// A real `mcpx dev` of lb fixture servers and SDK clients on its gateway, with load and outcome
// helpers, for the end-to-end tests of load balancing, reloads and failures
// (test/faults/gateway-*.test.ts). test/helpers/gateway.ts starts a gateway on other workspaces.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  type CallToolResult,
  PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { type DevProcess, startDevProcess } from './dev-process.js';
import { freePort } from './ports.js';
import { isAlive, processesUnder } from './processes.js';
import { fixture } from './workspace.js';

/** One lb server of a test workspace. */
export interface LbServer {
  replicas?: number;
  env?: Record<string, string>;
  /** Streamable HTTP (`lb.ts --http`) instead of stdio. */
  http?: boolean;
}

/** A running `mcpx dev` with its gateway. */
export interface Cluster {
  dir: string;
  /** Where tests put flag, release and journal files: outside every server's watched folder. */
  run: string;
  dev: DevProcess;
  port: number;
  url: string;
  token: string;
  /** SIGINT, as Ctrl-C, then waits for mcpx dev to exit. */
  stop(): Promise<void>;
}

const clusters: Cluster[] = [];

/**
 * A workspace whose servers each run the lb fixture in their own folder, servers/<name>, which
 * holds version.txt ("1"): editing it is a code change that mcpx dev reloads.
 */
export async function lbWorkspace(servers: Record<string, LbServer>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mcpx-gateway-'));
  await mkdir(join(dir, 'run'));
  const mcpServers: Record<string, unknown> = {};
  for (const [name, server] of Object.entries(servers)) {
    await mkdir(join(dir, 'servers', name), { recursive: true });
    await writeFile(join(dir, 'servers', name, 'version.txt'), '1\n');
    mcpServers[name] = {
      command: 'node',
      args: server.http ? [fixture('lb'), '--http'] : [fixture('lb')],
      ...(server.http ? { transport: 'http' } : {}),
      cwd: `servers/${name}`,
      ...(server.replicas === undefined ? {} : { replicas: server.replicas }),
      ...(server.env === undefined ? {} : { env: server.env }),
    };
  }
  await writeFile(join(dir, 'mcpx.json'), JSON.stringify({ mcpServers }, null, 2));
  return dir;
}

/**
 * Starts `mcpx dev --gateway-port <a free port>` in a new lb workspace and waits for its gateway
 * line, which mcpx prints once every server is ready.
 */
export async function startCluster(
  servers: Record<string, LbServer>,
  args: readonly string[] = [],
): Promise<Cluster> {
  const dir = await lbWorkspace(servers);
  const port = await freePort();
  const dev = startDevProcess(dir, ['--gateway-port', String(port), ...args]);
  const cluster: Cluster = {
    dir,
    run: join(dir, 'run'),
    dev,
    port,
    url: `http://127.0.0.1:${port}/mcp`,
    token: '',
    stop: async () => {
      if (dev.child.exitCode === null && dev.child.signalCode === null) dev.child.kill('SIGINT');
      await dev.exited;
    },
  };
  clusters.push(cluster);
  await dev.waitFor(new RegExp(`gateway http://127\\.0\\.0\\.1:${port}/mcp`), 90_000);
  cluster.token = (await readFile(join(dir, '.mcpx', 'gateway-token'), 'utf8')).trim();
  return cluster;
}

/** Stops every cluster still running, kills what a failed test left, removes the workspaces. */
export async function stopClusters(): Promise<void> {
  for (const cluster of clusters.splice(0)) {
    if (isAlive(cluster.dev.pid)) cluster.dev.child.kill('SIGKILL');
    await cluster.dev.exited;
    for (const pid of processesUnder(cluster.dir)) process.kill(pid, 'SIGKILL');
    await rm(cluster.dir, { recursive: true, force: true, maxRetries: 5 });
  }
}

/** An SDK client session on the gateway, counting the list_changed notifications it receives. */
export interface GatewaySession {
  client: Client;
  /** Notifications received so far, by kind. */
  changed: { tools: number; prompts: number; resources: number };
  close(): Promise<void>;
}

export async function connectGateway(
  cluster: Pick<Cluster, 'url' | 'token'>,
  path = '/mcp',
): Promise<GatewaySession> {
  const client = new Client({ name: 'gateway-test', version: '0.0.0' });
  const changed = { tools: 0, prompts: 0, resources: 0 };
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changed.tools++);
  client.setNotificationHandler(PromptListChangedNotificationSchema, () => void changed.prompts++);
  client.setNotificationHandler(
    ResourceListChangedNotificationSchema,
    () => void changed.resources++,
  );
  const url = new URL(path, cluster.url);
  await client.connect(
    new StreamableHTTPClientTransport(url, {
      requestInit: { headers: { Authorization: `Bearer ${cluster.token}` } },
    }),
  );
  return { client, changed, close: () => client.close() };
}

/** The text of a tool result. */
export function text(result: unknown): string {
  return ((result as CallToolResult).content ?? [])
    .map((block) => (block.type === 'text' ? block.text : ''))
    .join('');
}

/** How a call ended: its result, its error, or not at all within the hang bound. */
export type Outcome =
  | { kind: 'result'; result: CallToolResult; start: number; ms: number; at: number }
  | { kind: 'error'; message: string; start: number; ms: number; at: number }
  | { kind: 'hung' };

/**
 * Calls `name` through `client` and says how it ended. `hangMs` is a hang detector only, far above
 * any answer: a call still open then is reported as hung instead of holding the test up.
 */
export async function call(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
  hangMs = 45_000,
): Promise<Outcome> {
  const start = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'hung' }), hangMs);
  });
  // The SDK's own 60 s request timeout would turn a hang into an error: the detector fires first.
  const settled = client
    .callTool({ name, arguments: args }, undefined, { timeout: hangMs * 2 })
    .then(
      (result): Outcome => ({
        kind: 'result',
        result: result as CallToolResult,
        start,
        ms: performance.now() - start,
        at: performance.now(),
      }),
      (error: unknown): Outcome => ({
        kind: 'error',
        message: error instanceof Error ? error.message : String(error),
        start,
        ms: performance.now() - start,
        at: performance.now(),
      }),
    );
  const outcome = await Promise.race([settled, hung]);
  clearTimeout(timer);
  return outcome;
}

/** Runs `task(0..total-1)` with at most `concurrency` at a time; results in task order. */
export async function pool<T>(
  total: number,
  concurrency: number,
  task: (index: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array<T>(total);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < total; index = next++) results[index] = await task(index);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  return results;
}

/** How many of `values` each distinct value is. */
export function tally<T>(values: readonly T[]): Map<T, number> {
  const counts = new Map<T, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}
