/**
 * A service that does several visible things (check, render, install, ...) describes them as steps;
 * the command hands them to a runner from `ui/` (listr2 on a terminal, plain lines otherwise), and
 * tests use `runStepsQuietly`. The service stays free of any rendering.
 */
export interface Step {
  title: string;
  /** A reason to skip the step, or undefined to run it. Asked just before the step would run. */
  skip?: () => string | undefined;
  /** `report` shows progress (the last line of an install, say) under the step's title. */
  run: (report: (line: string) => void) => Promise<void>;
}

export interface StepResult {
  title: string;
  ms: number;
  skipped?: string;
}

export type StepRunner = (steps: readonly Step[]) => Promise<StepResult[]>;

/** Runs steps one after another with no output; the first failure rejects. */
export const runStepsQuietly: StepRunner = async (steps) => {
  const results: StepResult[] = [];
  for (const step of steps) {
    const skipped = step.skip?.();
    if (skipped !== undefined) {
      results.push({ title: step.title, ms: 0, skipped });
      continue;
    }
    const started = performance.now();
    await step.run(() => {});
    results.push({ title: step.title, ms: Math.round(performance.now() - started) });
  }
  return results;
};
