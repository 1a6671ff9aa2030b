import type { spawn as nodeSpawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Clock } from '../clock.js';
import { MARKER_VAR } from '../server/process-tree.js';
import { type Launch, type ProcessDeps, ServerProcess, describeExit } from '../server/process.js';
import type { ServerEvent } from '../server/session.js';
import { nodeEntry } from './entry.js';
import { LEARN_VAR, type PromoteMessage, type ReadyMessage } from './protocol.js';

/** What `mcpx status` shows of a replica's standby. */
export interface StandbySnapshot {
  pid: number | undefined;
  /** `starting` while it imports the learned modules. */
  state: 'starting' | 'ready';
  /** Modules it imported ahead (once ready). */
  modules: number | undefined;
  /** Reloads (and restarts) it and its predecessors served instead of a cold start. */
  promoted: number;
}

export interface StandbyOptions {
  /** Where the server's instances write the dependency modules they load (one file per server). */
  modulesFile: string;
  spawn?: typeof nodeSpawn | undefined;
  clock?: Clock | undefined;
  /** What a standby says before it is a server (a dependency's warning) and its unexpected exit. */
  onEvent: (event: ServerEvent) => void;
  /** Called when a standby came, went, or became ready. */
  onChange?: (() => void) | undefined;
}

interface Warm {
  process: ServerProcess;
  /** The launch it stands in for: another one (an edited mcpx.json) gets a cold start. */
  key: string;
  imported: number | undefined;
}

/** A short ladder: a standby runs no user code and holds no state. */
const STOP_LADDER = { graceMs: 0, termMs: 1000 };

/** dist/standby/*.js in the package; src/standby/*.ts (run by Node as they are) under vitest. */
function ownFile(name: 'runner' | 'learn'): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) return join(dirname(here), `${name}.ts`);
  // A bundle chunk: dist/chunks/x.js or dist/commands/x.js.
  for (let dir = dirname(here); dir !== dirname(dir); dir = dirname(dir))
    if (dir.endsWith('/dist')) return join(dir, 'standby', `${name}.js`);
  return join(dirname(here), 'standby', `${name}.js`);
}

/**
 * The pre-warmed standby of one replica of a `node` server: a Node process in the server's folder
 * with its environment, argv and stdio pipes, that has imported the dependencies the server's
 * instances loaded and waits on IPC. A reload (or a restart) takes it instead of spawning: it only
 * has the user's own modules left to import. Off until `arm()` (the first change of a session),
 * replaced after each use by `refill()`; without one ready, the next start is cold, as before.
 */
export class Standby {
  #armed = false;
  #stopped = false;
  #warm: Warm | undefined;
  #promoted = 0;

  constructor(readonly options: StandbyOptions) {}

  /** The server was changed: from now on keep a standby ready for its next reload. */
  arm(): void {
    this.#armed = true;
  }

  /**
   * The launcher of the replica's instances (see StartDeps.launcher): the ready standby when it
   * stands in for `launch`, else a cold start that learns the modules for the next standby.
   */
  readonly launch = (launch: Launch, deps: ProcessDeps): ServerProcess => {
    const entry = nodeEntry(launch.command, launch.args);
    if (entry === undefined) return new ServerProcess(launch, deps);
    const promoted = this.#promote(launch, deps, entry.entry, entry.args);
    if (promoted !== undefined) return promoted;
    const args = [...entry.nodeFlags, '--import', ownFile('learn'), entry.entry, ...entry.args];
    return new ServerProcess(
      { ...launch, args, env: { ...launch.env, [LEARN_VAR]: this.options.modulesFile } },
      deps,
    );
  };

  #promote(
    launch: Launch,
    deps: ProcessDeps,
    entry: string,
    args: string[],
  ): ServerProcess | undefined {
    const warm = this.#warm;
    if (warm?.imported === undefined || warm.key !== keyOf(launch)) return undefined;
    this.#warm = undefined;
    const { process } = warm;
    const message: PromoteMessage = {
      type: 'promote',
      env: { ...launch.env, [MARKER_VAR]: process.marker },
      entry: resolve(launch.cwd, entry),
      args,
    };
    try {
      if (process.exitInfo !== undefined || !process.child.connected) throw new Error('gone');
      process.child.send(message);
    } catch {
      // It died just now: a cold start, and this one ends for sure.
      void process.stop(STOP_LADDER);
      this.options.onChange?.();
      return undefined;
    }
    process.redirectStderr(deps.onStderrLine);
    this.#promoted++;
    this.options.onChange?.();
    return process;
  }

  /** After an instance of `launch` is ready: start the next standby, if armed and none runs. */
  refill(launch: Launch | undefined): void {
    if (!this.#armed || this.#stopped || this.#warm !== undefined || launch === undefined) return;
    const entry = nodeEntry(launch.command, launch.args);
    if (entry === undefined) return;
    const { modulesFile } = this.options;
    const process = new ServerProcess(
      {
        command: launch.command,
        args: [
          ...entry.nodeFlags,
          '--import',
          ownFile('learn'),
          ownFile('runner'),
          modulesFile,
          entry.entry,
          ...entry.args,
        ],
        cwd: launch.cwd,
        env: { ...launch.env, [LEARN_VAR]: modulesFile },
      },
      {
        spawn: this.options.spawn,
        clock: this.options.clock,
        ipc: true,
        onStderrLine: (line) =>
          this.options.onEvent({ stream: 'mcpx', level: 'debug', msg: `standby: ${line}` }),
      },
    );
    const warm: Warm = { process, key: keyOf(launch), imported: undefined };
    this.#warm = warm;
    process.child.on('message', (message: ReadyMessage) => {
      if (message.type !== 'ready' || this.#warm !== warm) return;
      warm.imported = message.imported;
      this.options.onChange?.();
    });
    void process.exited.then((exit) => {
      if (this.#warm !== warm) return;
      this.#warm = undefined;
      this.options.onChange?.();
      if (!process.stopping)
        this.options.onEvent({
          stream: 'mcpx',
          level: 'warning',
          msg: `the standby (pid ${process.pid ?? '?'}) ${describeExit(exit)}; the next reload is a cold start`,
        });
    });
    this.options.onChange?.();
  }

  /** The pid of the standby that the next launch of `launch` will take, if one is ready. */
  readyFor(launch: Launch | undefined): number | undefined {
    const warm = this.#warm;
    if (launch === undefined || warm?.imported === undefined || warm.key !== keyOf(launch))
      return undefined;
    return warm.process.exitInfo === undefined ? warm.process.pid : undefined;
  }

  snapshot(): StandbySnapshot | undefined {
    const warm = this.#warm;
    if (warm === undefined) return undefined;
    return {
      pid: warm.process.pid,
      state: warm.imported === undefined ? 'starting' : 'ready',
      modules: warm.imported,
      promoted: this.#promoted,
    };
  }

  /** Stops the standby for good (the server stops, or an edit of mcpx.json replaced it). */
  async stop(): Promise<void> {
    this.#stopped = true;
    const warm = this.#warm;
    this.#warm = undefined;
    await warm?.process.stop(STOP_LADDER);
  }
}

const keyOf = (launch: Launch): string => JSON.stringify([launch.command, launch.args, launch.cwd]);
