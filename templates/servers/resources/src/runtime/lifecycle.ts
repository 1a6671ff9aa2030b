import { fstatSync } from 'node:fs';
import { createLogger } from './log.ts';

const log = createLogger('lifecycle');

/** Longest wait for a graceful stop before the process exits anyway. */
const STOP_TIMEOUT_MS = 5000;

export interface StopOptions {
  /**
   * Also stop when stdin ends. On stdio that is how a client says goodbye, and the only reliable
   * sign that it died; an HTTP server watches stdin only when a parent process holds its other end.
   */
  watchStdin: boolean;
}

/**
 * Runs `stop` once and exits 0 when this server should end: on SIGINT or SIGTERM, when stdin ends
 * (see `watchStdin`), or when the parent process goes away. A dead parent is noticed by polling
 * `process.ppid`, which changes when the process is re-parented. A second signal, or a `stop` that
 * takes longer than 5 s, exits at once with code 1.
 */
export function stopWhenDone(stop: () => Promise<void>, { watchStdin }: StopOptions): void {
  let stopping = false;
  const stopOnce = (reason: string): void => {
    if (stopping) return;
    stopping = true;
    log.info(`stopping (${reason})`);
    setTimeout(() => {
      log.error(`did not stop within ${STOP_TIMEOUT_MS} ms, exiting`);
      process.exit(1);
    }, STOP_TIMEOUT_MS).unref();
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error(`failed to stop cleanly: ${String(error)}`);
        process.exit(1);
      },
    );
  };

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) process.exit(1);
      stopOnce(signal);
    });
  }

  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stopOnce('parent process exited');
  }, 1000).unref();

  if (watchStdin) {
    for (const event of ['end', 'close', 'error'] as const) {
      process.stdin.once(event, () => stopOnce('stdin closed'));
    }
    // Reading is what makes 'end' fire. The stdio transport reads stdin already; elsewhere this
    // discards whatever arrives, which is fine: nothing else reads it.
    process.stdin.resume();
    if (process.stdin.readableEnded) stopOnce('stdin closed');
  }
}

/**
 * True when stdin is a pipe or socket, i.e. a parent process holds its other end and will close
 * it when it goes away. False for a terminal and for `/dev/null`, which ends at once.
 */
export function stdinIsPipe(): boolean {
  try {
    const stat = fstatSync(0);
    return stat.isFIFO() || stat.isSocket();
  } catch {
    return false;
  }
}
