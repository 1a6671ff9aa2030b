/**
 * The one user-facing error type. Anything else that reaches the top is a bug in mcpx and is
 * printed with its stack.
 */

/** Process exit codes; documented in the README. */
export const ExitCode = {
  ok: 0,
  /** A check failed (smoke, typecheck of a scaffolded server, ...). */
  checkFailed: 1,
  /** Bad usage or configuration: flags, names, the manifest, the workspace. */
  usage: 2,
  /** A server could not be started or reached. */
  unreachable: 4,
  /** An unexpected error: a bug in mcpx. */
  bug: 70,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface McpxErrorOptions {
  /** What to do about it; printed after "Try:". */
  hint?: string;
  exitCode?: ExitCodeValue;
  cause?: unknown;
}

export class McpxError extends Error {
  readonly hint: string | undefined;
  readonly exitCode: ExitCodeValue;

  constructor(message: string, options: McpxErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'McpxError';
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? ExitCode.usage;
  }

  toJSON(): { message: string; hint?: string; exitCode: number } {
    return {
      message: this.message,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      exitCode: this.exitCode,
    };
  }
}

export function isMcpxError(error: unknown): error is McpxError {
  return error instanceof McpxError;
}
