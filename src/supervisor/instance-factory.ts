import type { spawn as nodeSpawn } from 'node:child_process';
import type { Clock } from './clock.js';
import { describeConnectError } from './connect-error.js';
import { Instance, type InstanceSpec, StartError, describeExit } from './instance.js';
import type { LadderOptions, LadderStep } from './policies/shutdown-ladder.js';
import { type InstanceFactory, type ReplicaInstance, StartFailed } from './replica-deps.js';
import type { Surface } from './surface.js';

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
    let wrapped: ServerInstance | undefined;
    const wrap = (instance: Instance): ServerInstance => (wrapped ??= new ServerInstance(instance));
    try {
      const instance = await Instance.start(spec, {
        clock: options.clock,
        spawn: options.spawn,
        onEvent: hooks.onEvent,
        ...(hooks.signal === undefined ? {} : { signal: hooks.signal }),
        onSpawn: (instance) => hooks.onSpawn(wrap(instance)),
        onExit: (exit) => hooks.onExit(describeExit(exit)),
      });
      return wrap(instance);
    } catch (error) {
      if (!(error instanceof StartError)) throw error;
      throw new StartFailed(error.message, error.stderr, { cause: error });
    }
  };
}

class ServerInstance implements ReplicaInstance {
  constructor(readonly instance: Instance) {}

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
    return this.instance.surface;
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
