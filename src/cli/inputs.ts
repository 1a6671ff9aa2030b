import { McpxError } from '../errors.js';

/** Prompting is allowed only with a terminal on stdin and outside CI. */
export function canPrompt(): boolean {
  const ci = process.env.CI;
  return (
    process.stdin.isTTY === true && (ci === undefined || ci === '' || ci === '0' || ci === 'false')
  );
}

/**
 * A value from, in order: its flag, a value detected from context, the `--yes` default, a prompt.
 * Without a terminal (or in CI) it never prompts and fails naming the flag to pass.
 */
export async function resolveInput<T>(input: {
  value: T | undefined;
  detected?: T | undefined;
  yes: boolean;
  yesDefault?: T | undefined;
  /** How to pass it, e.g. `--role <tools|resources|prompts>` or `the server name argument`. */
  flag: string;
  ask: () => Promise<T>;
}): Promise<T> {
  if (input.value !== undefined) return input.value;
  if (input.detected !== undefined) return input.detected;
  if (input.yes && input.yesDefault !== undefined) return input.yesDefault;
  if (canPrompt()) return input.ask();
  const why = process.stdin.isTTY === true ? 'CI is set' : 'stdin is not a terminal';
  throw new McpxError(`Missing ${input.flag}; mcpx does not prompt here (${why}).`, {
    hint: `pass ${input.flag}`,
  });
}
