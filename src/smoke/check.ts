import type { ServerInstance } from '../server/instance.js';
import type { RawSurface, Surface } from '../server/surface.js';
import type { SmokeServerInput } from './run-server.js';
import type { CheckName, CheckResult } from './types.js';

/** What a check found: its result without the name and time, which the runner adds. */
export type CheckOutcome = Omit<CheckResult, 'name' | 'ms'>;

/** What the checks after `start` share: the started server, and what its listing found. */
export interface CheckContext {
  readonly input: SmokeServerInput;
  readonly instance: ServerInstance;
  /** Set by `capabilities`; undefined when listing failed. */
  listed: RawSurface | undefined;
  /** The listing as a snapshot, to compare with the committed one and to write with --update. */
  surface: Surface | undefined;
}

/** One check of `mcpx smoke`, run against a started server in the order the list declares. */
export interface SmokeCheck {
  readonly name: CheckName;
  run(context: CheckContext): Promise<CheckOutcome>;
}

/** A check that needs the listing, when there is none. */
export const NOTHING_LISTED: CheckOutcome = { status: 'skip', message: 'nothing listed' };

/** Runs one check, timing it; a throw is a failure with the error's message. */
export async function timed(
  name: CheckName,
  run: () => Promise<CheckOutcome>,
): Promise<CheckResult> {
  const t = performance.now();
  let outcome: CheckOutcome;
  try {
    outcome = await run();
  } catch (error) {
    outcome = { status: 'fail', message: error instanceof Error ? error.message : String(error) };
  }
  return { name, ms: Math.round(performance.now() - t), ...outcome };
}
