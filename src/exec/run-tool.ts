import { McpxError } from '../errors.js';
import { stopWithLadder } from '../server/stop-ladder.js';

export interface RunToolOptions {
  cwd: string;
  /** Called with each non-empty output line (stdout and stderr, as they come). */
  onLine?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  /** Aborting stops the tool (SIGTERM) and rejects. */
  signal?: AbortSignal | undefined;
}

/**
 * Runs a development tool (npm, tsc) to completion. On failure the error carries the tool's last
 * output lines, which is what a user needs to act on.
 */
export async function runTool(
  command: string,
  args: readonly string[],
  options: RunToolOptions,
): Promise<void> {
  const { execa } = await import('execa');
  const tail: string[] = [];
  const child = execa(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdin: 'ignore',
    all: true,
    reject: false,
    lines: false,
    // Its own process group, so that an abort reaches the scripts npm runs too: npm itself does
    // not pass SIGTERM on, and a script left running would hold the output pipe open.
    detached: true,
  });
  // Nothing to close on stdin (it is ignored): the ladder starts at SIGTERM, to the whole group.
  const stop = (): void =>
    void stopWithLadder(
      {
        exited: child,
        signal: (signal) => {
          if (child.pid === undefined) return;
          try {
            process.kill(-child.pid, signal);
          } catch {
            // Already gone.
          }
        },
      },
      { graceMs: 0, termMs: 3000, killMs: 0 },
    );
  if (options.signal?.aborted === true) stop();
  options.signal?.addEventListener('abort', stop, { once: true });
  child.all?.setEncoding('utf8');
  let pending = '';
  child.all?.on('data', (chunk: string) => {
    const lines = (pending + chunk).split(/\r?\n/);
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      tail.push(line);
      if (tail.length > 20) tail.shift();
      options.onLine?.(line);
    }
  });
  const result = await child.finally(() => options.signal?.removeEventListener('abort', stop));
  if (pending.trim() !== '') tail.push(pending);
  if (result.failed) {
    const how =
      result.signal !== undefined
        ? `stopped by ${result.signal}`
        : result.exitCode === undefined
          ? (result.originalMessage ?? 'it could not start')
          : `exit code ${result.exitCode}`;
    throw new McpxError(
      `\`${[command, ...args].join(' ')}\` failed (${how}) in ${options.cwd}:\n${tail.map((l) => `  ${l}`).join('\n')}`,
      { exitCode: 1, hint: 'fix the problem shown above and run the command again' },
    );
  }
}
