import { ControlServer } from '../control/server.js';
import type { LogEvent } from '../logs/event.js';
import { logsDir } from '../logs/files.js';
import { LogStore } from '../logs/store.js';
import { loadWorkspace } from '../manifest/load.js';
import type { ClusterSnapshot } from '../supervisor/state.js';
import { Supervisor, type SupervisorOptions } from '../supervisor/supervisor.js';

export interface DevOptions {
  /** The workspace folder, or any folder inside it. */
  dir: string;
  /** Only these servers (default: every enabled one). */
  servers?: readonly string[] | undefined;
  /** Reload servers when their files change. */
  watch: boolean;
  /** Where events go besides the JSONL store (the terminal); a promise applies backpressure. */
  onEvent: (event: LogEvent) => void | Promise<void>;
  /** Policy overrides, for tests that need short crash windows and ladders. */
  policies?: SupervisorOptions['policies'];
}

/** A running `mcpx dev`: what the command and its keys act on. */
export interface DevSession {
  root: string;
  names: string[];
  logDir: string;
  snapshot(): ClusterSnapshot;
  restart(server?: string): Promise<number>;
  /** Stops every server (shutdown ladder), the control channel and the log store; idempotent. */
  stop(): Promise<void>;
  /** Resolves when a stop() has finished, whoever called it. */
  stopped: Promise<void>;
}

/**
 * Starts the cluster of a workspace: the control channel first (so a second `mcpx dev` is refused
 * before it touches anything), the log store, then every server; and, when asked, the file watcher.
 * Resolves once every server is ready or has failed (and is backing off).
 */
export async function startDev(options: DevOptions): Promise<DevSession> {
  const workspace = await loadWorkspace(options.dir);
  let supervisor: Supervisor | undefined;
  const control = await ControlServer.listen(workspace.root, {
    status: () => {
      if (supervisor === undefined) throw new Error('still starting');
      return supervisor.snapshot();
    },
    restart: async (server) => {
      if (supervisor === undefined) throw new Error('still starting');
      return { restarted: await supervisor.restart(server) };
    },
  });
  let store: LogStore | undefined;
  try {
    store = await LogStore.open({ dir: logsDir(workspace.root) });
    const sink = store;
    supervisor = new Supervisor({
      workspace,
      servers: options.servers,
      policies: options.policies,
      // Both sinks see every event in order; waiting on both is the backpressure of a flood.
      onEvent: (event) => {
        const stored = sink.write(event);
        const shown = options.onEvent(event);
        return shown === undefined ? stored : Promise.all([stored, shown]).then(() => undefined);
      },
    });
    await supervisor.start();
    if (options.watch) await supervisor.watch();
  } catch (error) {
    await supervisor?.stop();
    await control.close();
    await store?.close();
    throw error;
  }
  const running = supervisor;
  const logStore = store;
  let stopping: Promise<void> | undefined;
  let markStopped: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    markStopped = resolve;
  });
  return {
    stopped,
    root: workspace.root,
    names: [...new Set(running.replicas.map((r) => r.server))],
    logDir: logStore.dir,
    snapshot: () => running.snapshot(),
    restart: (server) => running.restart(server),
    stop: () =>
      (stopping ??= (async () => {
        await running.stop();
        await control.close();
        await logStore.close();
        markStopped();
      })()),
  };
}
