import { fstatSync } from 'node:fs';
import { createLogger } from './log.ts';

const log = createLogger('lifecycle');

/** Longest wait for a graceful stop before the process exits anyway. */
const STOP_TIMEOUT_MS = 5000;

/** How long requests still running when stdin ends may take before the server stops anyway. */
const STDIN_GRACE_MS = 1000;

// Read at start-up, before anything slow: a parent that dies while the server is still starting
// must not become the parent it compares against.
const parent = process.ppid;

export interface StopOptions {
  /**
   * Also stop when stdin ends. On stdio that is how a client says goodbye, and the only reliable
   * sign that it died; an HTTP server watches stdin only when a parent process holds its other end.
   */
  watchStdin: boolean;
  /**
   * Whether nothing is in flight. When stdin ends, a server that can tell stops as soon as it is
   * idle instead of waiting out the grace period (an HTTP server: no request being answered).
   */
  idle?: () => boolean;
}

/**
 * Runs `stop` once and exits 0 when this server should end: on SIGINT or SIGTERM, when stdin ends
 * (see `watchStdin`), or when the parent process goes away. A dead parent is noticed by polling
 * `process.ppid`, which changes when the process is re-parented. A second Ctrl-C, or a `stop` that
 * takes longer than 5 s, exits at once with code 1.
 */
export function stopWhenDone(stop: () => Promise<void>, { watchStdin, idle }: StopOptions): void {
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
      if (stopping && signal === 'SIGINT') process.exit(1);
      stopOnce(signal);
    });
  }

  setInterval(() => {
    if (process.ppid !== parent) stopOnce('parent process exited');
  }, 1000).unref();

  if (watchStdin) {
    let ended = false;
    const onEnd = (): void => {
      if (ended) return;
      ended = true;
      log.info('stdin closed');
      // Requests read before the end still get their answers: with nothing left to do, the event
      // loop empties and Node exits with code 0 by itself. Whatever still holds the process open
      // after the grace period (an HTTP server, a database pool) is closed by `stop`.
      setTimeout(() => stopOnce('stdin closed'), STDIN_GRACE_MS).unref();
      if (idle !== undefined) {
        const check = setInterval(() => {
          if (!idle()) return;
          clearInterval(check);
          stopOnce('stdin closed');
        }, 20);
        check.unref();
      }
    };
    for (const event of ['end', 'close', 'error'] as const) process.stdin.once(event, onEnd);
    // Reading is what makes 'end' fire. The stdio transport reads stdin already; elsewhere this
    // discards whatever arrives, which is fine: nothing else reads it.
    process.stdin.resume();
    if (process.stdin.readableEnded) onEnd();
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
