// Fake instances for unit tests of the Replica state machine: no processes, no MCP. Each start is
// a promise the test settles (or that settles itself, as the script says), and every step is
// written to `log`, so a test can check what happened in which order.
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { LadderOptions, LadderStep } from '../../src/server/stop-ladder.js';
import {
  type InstanceFactory,
  type InstanceHooks,
  type ReplicaInstance,
  StartFailed,
} from '../../src/supervisor/replica-deps.js';
import { type Surface, surfaceOf } from '../../src/server/surface.js';

/** A surface with these tool names (each taking no input). */
export function toolsSurface(...names: string[]): Surface {
  const tools: Tool[] = names.map((name) => ({ name, inputSchema: { type: 'object' } }));
  return surfaceOf({ tools, resources: [], resourceTemplates: [], prompts: [] });
}

export class FakeInstance implements ReplicaInstance {
  readonly pid: number;
  readonly port: number;
  readonly marker = undefined;
  readonly startedAt = Date.now();
  readyMs = 0;
  surface: Surface;
  readonly stderrTail: string[] = [];
  exitReason: string | undefined;
  leftovers = 0;
  /** What ping does: answer, or never answer (a hung server). */
  pings: 'answer' | 'hang' = 'answer';
  pinged = 0;
  stopped = false;

  constructor(
    readonly n: number,
    readonly hooks: InstanceHooks,
    readonly log: string[],
    surface: Surface,
  ) {
    this.pid = 1000 + n;
    this.port = 4000 + n;
    this.surface = surface;
  }

  ping(): Promise<void> {
    this.pinged++;
    return this.pings === 'answer' ? Promise.resolve() : new Promise(() => {});
  }

  stop(_ladder: LadderOptions): Promise<LadderStep> {
    if (!this.stopped) this.log.push(`stop ${this.n}`);
    this.stopped = true;
    return Promise.resolve('stdin');
  }

  /** The server dies on its own, after writing `stderr`. */
  crash(reason = 'exited with code 1', stderr: string[] = []): void {
    this.stderrTail.push(...stderr);
    this.exitReason = reason;
    this.log.push(`exit ${this.n}`);
    this.hooks.onExit(reason);
  }
}

/** One call of the factory, which the test can let succeed or fail. */
export interface FakeStart {
  n: number;
  instance: FakeInstance;
  signal: AbortSignal | undefined;
  succeed(): void;
  fail(message: string, stderr?: string[]): void;
}

/**
 * What the nth start does by itself: become ready, fail (as a server that exits at start, or with
 * the message given), or wait for the test ('manual').
 */
export type Script = (n: number) => 'ready' | 'fail' | 'manual' | { fail: string };

export interface FakeFactory {
  factory: InstanceFactory;
  starts: FakeStart[];
  log: string[];
  /** The surface the next instances list. */
  surface: Surface;
  /** The instance of the nth start (from 1). */
  instance(n: number): FakeInstance;
}

export function fakeFactory(script: Script = () => 'ready'): FakeFactory {
  const log: string[] = [];
  const starts: FakeStart[] = [];
  const fake: FakeFactory = {
    starts,
    log,
    surface: toolsSurface('echo'),
    instance: (n) => {
      const start = starts[n - 1];
      if (start === undefined) throw new Error(`no start #${n}; there were ${starts.length}`);
      return start.instance;
    },
    factory: async (hooks) => {
      const n = starts.length + 1;
      await hooks.onStarting({ description: `starting fake #${n}`, port: 4000 + n });
      const instance = new FakeInstance(n, hooks, log, fake.surface);
      log.push(`start ${n}`);
      hooks.onSpawn(instance);
      return new Promise<ReplicaInstance>((resolve, reject) => {
        let settled = false;
        const settle = (outcome: () => void): void => {
          if (settled) throw new Error(`start #${n} settled twice`);
          settled = true;
          outcome();
        };
        const start: FakeStart = {
          n,
          instance,
          signal: hooks.signal,
          succeed: () =>
            settle(() => {
              instance.readyMs = Date.now() - instance.startedAt;
              log.push(`ready ${n}`);
              resolve(instance);
            }),
          fail: (message, stderr = []) =>
            settle(() => {
              // As the real factory does: what it started is stopped before it rejects.
              instance.stopped = true;
              log.push(`failed ${n}`);
              reject(new StartFailed(message, stderr));
            }),
        };
        starts.push(start);
        hooks.signal?.addEventListener(
          'abort',
          () => {
            if (!settled) start.fail('superseded by a newer change');
          },
          { once: true },
        );
        const what = script(n);
        if (what === 'ready') start.succeed();
        else if (what === 'fail')
          start.fail('exited with code 3 before it was ready', [
            'ERROR cannot open database: ENOENT /nope',
            '    at open (db.js:1:1)',
          ]);
        else if (what !== 'manual') start.fail(what.fail);
      });
    },
  };
  return fake;
}
