import { basename } from 'node:path';

/** Runners that start a Python program: the interpreter itself, and the usual launchers. */
const PYTHON = /^(?:python[\d.]*|pypy[\d.]*|uv|uvx|pipx|poetry|pdm|hatch|rye)(?:\.exe)?$/;
const NODE = /^(?:node|nodejs|npx|npm|pnpm|yarn|tsx|ts-node|bun|bunx|deno)(?:\.exe)?$/;

/**
 * How a server launched with `command args` should log instead of printing to stdout, in its own
 * language: `console.error` means nothing to a Python server. Judged by the program and, for
 * generic runners (`sh -c`, `env`), by a script's extension among the arguments.
 */
export function stdoutAdvice(command: string, args: readonly string[]): string {
  const program = basename(command);
  const scripts = args.map((arg) => basename(arg));
  if (
    PYTHON.test(program) ||
    scripts.some((s) => s.endsWith('.py') || PYTHON.test(s) || /^python\d*\s/.test(s))
  ) {
    return 'print(..., file=sys.stderr) or the logging module (it writes to stderr by default)';
  }
  if (
    NODE.test(program) ||
    program === basename(process.execPath) ||
    scripts.some((s) => /\.[cm]?[jt]s$/.test(s))
  ) {
    return 'console.error or a logger that writes to stderr';
  }
  return 'write logs to stderr';
}
