import { type Clock, sleep, systemClock } from '../clock.js';

/** What the ladder needs of what it stops: a server process, or the processes of a tree. */
export interface StoppableProcess {
  /** Resolves when it has exited (already resolved if it has). */
  exited: Promise<unknown>;
  /**
   * Closes the process's stdin: a well-behaved MCP stdio server exits on EOF. Absent where there
   * is no stdin to close (what a dead run left behind): the ladder starts at SIGTERM.
   */
  closeStdin?(): void;
  /** Sends a signal to the process group (the server and anything it started). */
  signal(signal: NodeJS.Signals): void | Promise<void>;
}

export interface LadderOptions {
  /** Wait after closing stdin before SIGTERM. */
  graceMs: number;
  /** Wait after SIGTERM before SIGKILL. */
  termMs: number;
  /**
   * Wait after SIGKILL; unset waits for the exit. A scan of a tree may find a process that cannot
   * be signalled (a setuid one), whose exit would never come.
   */
  killMs?: number;
}

export const DEFAULT_LADDER: LadderOptions = { graceMs: 2000, termMs: 2000 };

export type LadderStep = 'stdin' | 'SIGTERM' | 'SIGKILL';

/**
 * Stops a process with escalating force: close stdin, wait; SIGTERM the group, wait; SIGKILL the
 * group. Returns the step that ended it, so callers can tell a clean stop from a forced one.
 */
export async function stopWithLadder(
  process: StoppableProcess,
  options: LadderOptions = DEFAULT_LADDER,
  clock: Clock = systemClock,
): Promise<LadderStep> {
  const exited = process.exited.then(() => true);
  const within = async (ms: number): Promise<boolean> => {
    const controller = new AbortController();
    const timeout = sleep(clock, ms, controller.signal).then(
      () => false,
      () => false,
    );
    const result = await Promise.race([exited, timeout]);
    controller.abort();
    return result;
  };
  if (process.closeStdin !== undefined) {
    process.closeStdin();
    if (await within(options.graceMs)) return 'stdin';
  }
  await process.signal('SIGTERM');
  if (await within(options.termMs)) return 'SIGTERM';
  await process.signal('SIGKILL');
  if (options.killMs === undefined) await exited;
  else await within(options.killMs);
  return 'SIGKILL';
}
