// Commands in-process (STYLE.md 11): the command class from src/, oclif's real parser and our
// BaseCommand error policy, with stdout and stderr captured. For commands whose test gains nothing
// from a child process; test/e2e keeps the built CLI, bin/run.js and oclif's own top-level handling.
import type { Command } from '@oclif/core/command';
import { Config } from '@oclif/core/config';
import { ExitError } from '@oclif/core/errors';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
let config: Promise<Config> | undefined;

export interface CommandResult<T> {
  /** What `run()` returned (what oclif prints for `--json`); undefined when it failed. */
  result: T | undefined;
  stdout: string;
  stderr: string;
  /** The exit code the command chose, 0 when it returned. */
  exitCode: number;
  /** An error the command left to oclif's top level (a usage error), which would print it. */
  error: (Error & { oclif?: { exit?: number } }) | undefined;
}

/** Runs `command` with `argv` as `mcpx <id> ...argv` would, in this process. */
export async function runCommand<T>(
  command: { run(argv: string[], config: Config): Promise<unknown> } & typeof Command,
  argv: string[],
): Promise<CommandResult<T>> {
  config ??= Config.load(REPO);
  const loaded = await config;
  let stdout = '';
  let stderr = '';
  const { write: writeOut } = process.stdout;
  const { write: writeErr } = process.stderr;
  // oclif prints through process.stdout/stderr (vitest's console interception is off).
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    const result = (await command.run(argv, loaded)) as T;
    return { result, stdout, stderr, exitCode: 0, error: undefined };
  } catch (caught) {
    const error = caught as Error & { oclif?: { exit?: number } };
    const exitCode = error.oclif?.exit;
    if (exitCode === undefined) throw error;
    // ExitError is BaseCommand's own exit after printing; anything else oclif would print.
    const left = error instanceof ExitError ? undefined : error;
    return { result: undefined, stdout, stderr, exitCode, error: left };
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
  }
}
