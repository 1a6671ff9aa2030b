// Waiting for something that another process or stream makes true, without a fixed sleep.

/**
 * Polls `check` every `everyMs` until it is true; fails naming `what` after `timeoutMs`. `refresh`
 * (optional) runs before each check, for conditions that need asynchronous work to read.
 */
export async function until(
  what: string,
  check: () => boolean,
  { timeoutMs = 10_000, everyMs = 20 }: { timeoutMs?: number; everyMs?: number } = {},
  refresh?: () => Promise<void>,
): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; ;) {
    await refresh?.();
    if (check()) return;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
