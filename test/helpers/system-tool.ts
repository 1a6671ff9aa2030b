// Tests that need a program from the system's packages (Chromium, iproute2, podman): `.ci/run`
// installs them, so in CI a missing one is a failure; on a developer's machine, where `npm test`
// must work right after `npm install`, the test is skipped and says what to install.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The absolute path of `program` on PATH (or as given, when absolute), or undefined. */
export function findProgram(program: string): string | undefined {
  const candidates = program.startsWith('/')
    ? [program]
    : (process.env.PATH ?? '')
        .split(delimiter)
        .concat(['/usr/sbin', '/sbin', '/usr/bin'])
        .filter((dir) => dir !== '')
        .map((dir) => join(dir, program));
  return candidates.find((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Whether a test that needs `program` should be skipped: never in CI (there `.ci/run` installs it,
 * and a missing one must fail the run); elsewhere when it is absent, with the reason printed once.
 */
export function skipWithout(program: string, debianPackage: string): boolean {
  if (findProgram(program) !== undefined) return false;
  if (process.env.CI === 'true') return false;
  console.warn(
    `skipped: ${program} is not installed (Debian: apt-get install ${debianPackage}; .ci/run installs it in CI)`,
  );
  return true;
}
