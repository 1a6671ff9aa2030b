// What a replica needs of an instance, on the server model of src/server/: a started server whose
// primitives were listed as part of its start (the reload diff compares them).
import type { ExitInfo } from '../server/process.js';
import { type InstanceSpec, ServerInstance, type StartDeps } from '../server/instance.js';
import type { LadderOptions, LadderStep } from '../server/stop-ladder.js';
import type { Surface } from './surface.js';

export { type ExitInfo, describeExit } from '../server/process.js';
export { type InstanceSpec, StartError } from '../server/instance.js';
export type { ServerEvent as InstanceEvent } from '../server/session.js';

export interface InstanceDeps extends Omit<StartDeps, 'onSpawn'> {
  onSpawn?: ((instance: Instance) => void) | undefined;
}

/**
 * A server instance with the surface it listed while starting. `onSpawn` sees the same object
 * before it is ready, to record its pid; its surface exists from ready on.
 */
export class Instance {
  #surface: Surface | undefined;

  private constructor(readonly server: ServerInstance) {}

  /** Starts the server and lists its primitives within the start timeout; rejects with StartError. */
  static async start(spec: InstanceSpec, deps: InstanceDeps): Promise<Instance> {
    let wrapper: Instance | undefined;
    const wrap = (server: ServerInstance): Instance => (wrapper ??= new Instance(server));
    const { instance, prepared } = await ServerInstance.start(
      spec,
      { ...deps, onSpawn: (server) => deps.onSpawn?.(wrap(server)) },
      (session) => session.list(spec.startTimeout),
    );
    const ready = wrap(instance);
    ready.#surface = prepared;
    return ready;
  }

  /** What it listed while starting. */
  get surface(): Surface {
    if (this.#surface === undefined) throw new Error('an instance has a surface once it is ready');
    return this.#surface;
  }

  get spec(): InstanceSpec {
    return this.server.spec;
  }
  get startedAt(): number {
    return this.server.startedAt;
  }
  get readyMs(): number {
    return this.server.readyMs;
  }
  get pid(): number | undefined {
    return this.server.pid;
  }
  get port(): number | undefined {
    return this.server.port;
  }
  get marker(): string | undefined {
    return this.server.marker;
  }
  get exitInfo(): ExitInfo | undefined {
    return this.server.exitInfo;
  }
  get stderrTail(): readonly string[] {
    return this.server.stderrTail;
  }
  get leftovers(): number {
    return this.server.leftovers;
  }
  ping(timeout: number): Promise<void> {
    return this.server.ping(timeout);
  }
  stop(ladder?: LadderOptions): Promise<LadderStep> {
    return this.server.stop(ladder);
  }
}
