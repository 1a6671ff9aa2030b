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
  /** Stopped by Ctrl-C or SIGTERM before it finished (128 + SIGINT, as shells report it). */
  interrupted: 130,
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

/** What each file-system refusal means to a user, and what to do about it. */
const FILE_SYSTEM_REFUSALS: Record<string, { what: string; hint: string }> = {
  ENOSPC: { what: 'the disk is full', hint: 'free some space and run the command again' },
  EDQUOT: { what: 'the disk quota is used up', hint: 'free some space or raise the quota' },
  EROFS: {
    what: 'it is on a read-only file system',
    hint: 'run mcpx in a writable folder, or remount it writable',
  },
  EACCES: {
    what: 'permission denied',
    hint: 'check the owner and mode of that path (ls -l), or run mcpx as the user who owns it',
  },
  EPERM: {
    what: 'the operation is not permitted',
    hint: 'check the owner and mode of that path (ls -l)',
  },
  ENOTDIR: {
    what: 'a part of that path is a file, not a folder',
    hint: 'move that file away, or point mcpx at another folder',
  },
  EISDIR: {
    what: 'it is a folder, not a file',
    hint: 'move that folder away, or name a file',
  },
};

/**
 * A file-system error caused by the machine rather than by mcpx (a full disk, a read-only or
 * foreign folder) as an McpxError that names the path; undefined for any other error, which stays
 * a bug.
 */
export function fileSystemError(error: unknown): McpxError | undefined {
  const { code, path, syscall } = (error ?? {}) as NodeJS.ErrnoException;
  const known =
    code !== undefined && Object.hasOwn(FILE_SYSTEM_REFUSALS, code)
      ? FILE_SYSTEM_REFUSALS[code]
      : undefined;
  if (known === undefined || typeof path !== 'string') return undefined;
  return new McpxError(`Could not ${syscall ?? 'access'} ${path}: ${known.what} (${code}).`, {
    hint: known.hint,
    cause: error,
  });
}
