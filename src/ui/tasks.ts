import type { StepResult, StepRunner } from '../services/steps.js';

/**
 * Runs service steps with listr2 on stderr: spinners and timings on a terminal, one plain line per
 * step otherwise (CI logs, pipes). Errors are not printed here; the command prints them once.
 */
export function taskRunner(options: { quiet?: boolean } = {}): StepRunner {
  return async (steps) => {
    const { Listr, ListrLogger, PRESET_TIMER, ProcessOutput } = await import('listr2');
    const results: StepResult[] = [];
    const processOutput = new ProcessOutput(process.stderr, process.stderr);
    const logger = new ListrLogger({ processOutput });
    const list = new Listr(
      steps.map((step) => ({
        title: step.title,
        skip: () => {
          const reason = step.skip?.();
          if (reason === undefined) return false;
          results.push({ title: step.title, ms: 0, skipped: reason });
          return reason;
        },
        task: async (_ctx: unknown, task: { output: string }) => {
          const started = performance.now();
          await step.run((line) => {
            task.output = line;
          });
          results.push({ title: step.title, ms: Math.round(performance.now() - started) });
        },
      })),
      {
        concurrent: false,
        exitOnError: true,
        // listr2 would exit on Ctrl-C; the service undoes its steps on the signal instead.
        registerSignalListeners: false,
        silentRendererCondition: options.quiet === true,
        fallbackRendererCondition: !process.stderr.isTTY,
        rendererOptions: {
          timer: PRESET_TIMER,
          collapseErrors: true,
          collapseSkips: false,
          logger,
        },
        fallbackRendererOptions: { timer: PRESET_TIMER, logger },
      },
    );
    await list.run();
    return results;
  };
}
