import type { spawn as nodeSpawn } from 'node:child_process';
import type { Clock } from '../clock.js';
import { describeConnectError } from '../server/connect-error.js';
import { type InstanceSpec, ServerInstance, StartError } from '../server/instance.js';
import { describeExit } from '../server/process.js';
import type { LadderOptions, LadderStep } from '../server/stop-ladder.js';
import { type InstanceFactory, type ReplicaInstance, StartFailed } from './replica-deps.js';
import type { Surface } from '../server/surface.js';

// The one place where the supervisor meets real server processes and MCP sessions: a Replica
// sees only the ReplicaInstance contract, so it can be tested with fakes.

export interface InstanceFactoryOptions {
  /** A fresh spec for each instance: an HTTP server gets a new free port each time. */
  makeSpec: () => Promise<InstanceSpec>;
  clock?: Clock | undefined;
  spawn?: typeof nodeSpawn | undefined;
}

/** Instances that are real server processes (or connections to a `url`) with an MCP client. */
export function instanceFactory(options: InstanceFactoryOptions): InstanceFactory {
  return async (hooks) => {
    const spec = await options.makeSpec();
    await hooks.onStarting({ description: describeStart(spec), port: spec.port });
    // The same wrapper from the spawn on, so the replica recognises it when it is ready.
    let wrapped: ReplicaServer | undefined;
    const wrap = (server: ServerInstance): ReplicaServer => (wrapped ??= new ReplicaServer(server));
    try {
      const { instance, prepared } = await ServerInstance.start(
        spec,
        {
          clock: options.clock,
          spawn: options.spawn,
          onEvent: hooks.onEvent,
          signal: hooks.signal,
          onSpawn: (server) => hooks.onSpawn(wrap(server)),
          onExit: (exit) => hooks.onExit(describeExit(exit)),
        },
        // Listed as the last step of the start: the reload diff compares what each instance had.
        (session) => session.list(spec.startTimeout),
      );
      const ready = wrap(instance);
      ready.listed = prepared;
      return ready;
    } catch (error) {
      if (!(error instanceof StartError)) throw error;
      throw new StartFailed(error.message, error.stderr, { cause: error });
    }
  };
}

/** A server instance as a replica sees it, with what it listed while starting. */
class ReplicaServer implements ReplicaInstance {
  listed: Surface | undefined;

  constructor(readonly instance: ServerInstance) {}

  get pid(): number | undefined {
    return this.instance.pid;
  }
  get port(): number | undefined {
    return this.instance.port;
  }
  get marker(): string | undefined {
    return this.instance.marker;
  }
  get startedAt(): number {
    return this.instance.startedAt;
  }
  get readyMs(): number {
    return this.instance.readyMs;
  }
  get surface(): Surface {
    // A replica reads it once the instance is ready; before, there is nothing to show.
    if (this.listed === undefined) throw new Error('an instance has a surface once it is ready');
    return this.listed;
  }
  get stderrTail(): readonly string[] {
    return this.instance.stderrTail;
  }
  get exitReason(): string | undefined {
    const exit = this.instance.exitInfo;
    return exit === undefined ? undefined : describeExit(exit);
  }
  get leftovers(): number {
    return this.instance.leftovers;
  }

  async ping(timeoutMs: number): Promise<void> {
    try {
      await this.instance.ping(timeoutMs);
    } catch (error) {
      // A remote server's failures say what the network said: refused, reset, host not found.
      if (this.instance.spec.launch !== undefined) throw error;
      throw new Error(describeConnectError(error, this.instance.spec.url), { cause: error });
    }
  }

  stop(ladder: LadderOptions): Promise<LadderStep> {
    return this.instance.stop(ladder);
  }
}

/** "starting node src/stdio.ts", "starting node src/http.ts on port 43117", "connecting to URL". */
function describeStart(spec: InstanceSpec): string {
  if (spec.launch === undefined) return `connecting to ${spec.url ?? '?'}`;
  const command = spec.launch.command === process.execPath ? 'node' : spec.launch.command;
  return `starting ${[command, ...spec.launch.args].join(' ')}${spec.port === undefined ? '' : ` on port ${spec.port}`}`;
}
