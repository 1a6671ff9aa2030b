import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ControlServer } from '../control/server.js';
import { McpxError } from '../errors.js';
import { CLUSTER, type LogEvent } from '../logs/event.js';
import { logsDir } from '../logs/files.js';
import { LogStore } from '../logs/store.js';
import { type Workspace, loadWorkspace } from '../manifest/load.js';
import { type RunningGateway, clusterEvent, gatewayLine, startGateway } from '../gateway/run.js';
import type { ClusterSnapshot } from '../supervisor/state.js';
import { Supervisor, type SupervisorOptions } from '../supervisor/supervisor.js';
import { startLimitFromEnv } from '../supervisor/policies/start-limit.js';

export interface DevOptions {
  /** The workspace folder, or any folder inside it. */
  dir: string;
  /** Only these servers (default: every enabled one). */
  servers?: readonly string[] | undefined;
  /** Reload servers when their files change. */
  watch: boolean;
  /**
   * Where events go besides the JSONL store (the terminal), made once the server names are known
   * (to align them). It must not wait: a terminal that stops reading (`mcpx dev | sleep 40`) holds
   * up neither the servers nor the store nor a stop.
   */
  display: (names: string[], replicas: ReadonlyMap<string, number>) => (event: LogEvent) => void;
  /** Aborting stops the cluster, also while it is still starting. */
  signal: AbortSignal;
  /** Policy overrides, for tests that need short crash windows and ladders. */
  policies?: SupervisorOptions['policies'];
  /** The gateway: off with --no-gateway; the port and auth override mcpx.json's `gateway`. */
  gateway?: { enabled: boolean; port?: number | undefined; auth?: boolean | undefined };
}

/** A running `mcpx dev`: what the command and its keys act on. */
export interface DevSession {
  root: string;
  names: string[];
  logDir: string;
  snapshot(): ClusterSnapshot;
  restart(server?: string): Promise<number>;
  /** Resolves when the cluster has stopped: every server, the control channel, the log store. */
  stopped: Promise<void>;
}

/**
 * Starts the cluster of a workspace: the control channel first (so a second `mcpx dev` is refused
 * before it touches anything), the log store, then every server; and, when asked, the file watcher.
 * Resolves once every server is ready or has failed (and is backing off); stops when `signal` aborts.
 */
export async function startDev(options: DevOptions): Promise<DevSession> {
  const startLimit = startLimitFromEnv(process.env);
  const workspace = await loadWorkspace(options.dir);
  let supervisor: Supervisor | undefined;
  let gateway: RunningGateway | undefined;
  const snapshot = (): ClusterSnapshot | undefined => {
    const cluster = supervisor?.snapshot();
    if (cluster === undefined || gateway === undefined) return cluster;
    return { ...cluster, gateway: gateway.core.snapshot(gateway.http.url, gateway.auth) };
  };
  const notStarted = (): never => {
    throw new McpxError('mcpx dev is still starting its servers.', {
      hint: 'try again in a moment',
    });
  };
  const control = await ControlServer.listen(workspace.root, {
    status: () => snapshot() ?? notStarted(),
    restart: async (server) => ({ restarted: await (supervisor ?? notStarted()).restart(server) }),
  });
  let store: LogStore | undefined;
  try {
    store = await LogStore.open({ dir: logsDir(workspace.root), ...workspace.manifest.logs });
    const names = [...workspace.servers.keys()].filter(
      (name) => options.servers === undefined || options.servers.includes(name),
    );
    // Every server of the manifest, in its order, so colours match `mcpx logs` whatever --server.
    // Kept up to date as mcpx.json is edited: a server scaled to 2 replicas is labelled `name#1`.
    const replicas = new Map<string, number>();
    const countReplicas = (current: Workspace): void => {
      replicas.clear();
      for (const [name, server] of current.servers) replicas.set(name, server.replicas);
    };
    countReplicas(workspace);
    const display = options.display(names, replicas);
    const stored = store;
    let storeFailed = false;
    // Both sinks see every event in order; only the store's backlog slows the servers down (it
    // keeps every line of a flood), never the terminal. While the store takes events without
    // waiting there is no promise: a stderr reader then never pauses.
    const emit = (event: LogEvent): void | Promise<void> => {
      display(event);
      if (storeFailed) return;
      return stored.write(event)?.catch((error: unknown) => {
        // A full or broken disk must not take the cluster down: say so once, keep showing logs.
        // Every write waiting in the backlog fails with the same error: only the first says so.
        if (storeFailed) return;
        storeFailed = true;
        display({
          ...event,
          server: CLUSTER,
          replica: 0,
          stream: 'mcpx',
          level: 'error',
          msg: `the log store in ${stored.dir} failed (${String(error)}); events are no longer saved`,
        });
      });
    };
    const gatewayOn = options.gateway?.enabled !== false;
    supervisor = new Supervisor({
      workspace,
      authToken: await newAuthToken(workspace.root),
      servers: options.servers,
      policies: options.policies,
      startLimit,
      onWorkspace: countReplicas,
      onEvent: emit,
      relay: gatewayOn,
      onChange: () => gateway?.core.changed(),
    });
    if (gatewayOn) gateway = await startGateway(workspace, supervisor, emit, options.gateway ?? {});
    if (supervisor.replicas.length === 0) {
      throw new McpxError(`No servers to run in ${workspace.file}.`, {
        hint: 'add one with `mcpx new server`, or enable the ones marked "disabled"',
      });
    }
    await supervisor.start();
    if (gateway !== undefined) await emit(clusterEvent('info', gatewayLine(gateway)));
    if (options.watch && !options.signal.aborted) await supervisor.watch();
  } catch (error) {
    await gateway?.http.close();
    await supervisor?.stop();
    await control.close();
    await store?.close();
    throw error;
  }
  const running = supervisor;
  const logStore = store;
  const stopped = new Promise<void>((resolve, reject) => {
    // A failure to stop reaches whoever awaits `stopped`, not the unhandled-rejection handler.
    const stop = (): void => {
      (async () => {
        await gateway?.http.close();
        await running.stop();
        await control.close();
        await logStore.close().catch(() => undefined);
      })().then(resolve, reject);
    };
    if (options.signal.aborted) stop();
    else options.signal.addEventListener('abort', stop, { once: true });
  });
  return {
    stopped,
    root: workspace.root,
    names: [...new Set(running.replicas.map((r) => r.server))],
    logDir: logStore.dir,
    snapshot: () => snapshot() ?? running.snapshot(),
    restart: (server) => running.restart(server),
  };
}

/**
 * A bearer token for this run's HTTP servers (they get it as MCP_AUTH_TOKEN, mcpx's client sends
 * it), so that no other local user can call their tools. Kept in .mcpx/auth-token, readable by
 * this user only, for clients of their own (an inspector) to send.
 */
async function newAuthToken(root: string): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await mkdir(join(root, '.mcpx'), { recursive: true });
  await writeFile(join(root, '.mcpx', 'auth-token'), `${token}\n`, { mode: 0o600 });
  return token;
}
