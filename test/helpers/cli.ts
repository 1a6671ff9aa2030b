import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';

/** The built CLI, as users run it. `npm test` builds before testing. */
export const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url));

/** PATH with the Node that runs the tests (24) first, so npm, npx and tsc in children use it too. */
export function testPath(): string {
  return `${dirname(process.execPath)}:${process.env.PATH ?? ''}`;
}

export interface CliResult {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
}

/** Runs `mcpx ...args` without a terminal, colours off, never rejecting: tests read exit codes. */
export async function mcpx(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string | undefined> },
): Promise<CliResult> {
  const { exitCode, stdout, stderr } = await execa(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    reject: false,
    stdin: 'ignore',
    env: { FORCE_COLOR: '0', NO_COLOR: '1', CI: 'true', PATH: testPath(), ...options.env },
    extendEnv: true,
    timeout: 300_000,
  });
  return { exitCode, stdout: String(stdout), stderr: String(stderr) };
}
