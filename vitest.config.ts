import { defineConfig } from 'vitest/config';

// `unit`: in-process tests named *.unit.test.ts (no child processes, no built CLI, no floods);
// `npm run test:unit` runs them in seconds. `e2e`: everything else, which spawns servers and the CLI.
const UNIT = 'test/**/*.unit.test.ts';

export default defineConfig({
  test: {
    exclude: ['**/node_modules/**', 'examples/**'],
    // oclif commands print through process.stdout; keep it visible to runCommand.
    disableConsoleIntercept: true,
    testTimeout: 20_000,
    // Every mcpx dev a test starts gets a free gateway port: tests run side by side, and 7330 is
    // the user's. A test about the port sets it itself.
    env: { MCPX_GATEWAY_PORT: '0' },
    hookTimeout: 120_000,
    // End-to-end tests install packages and spawn servers: keep them off each other's toes on 2 cores.
    fileParallelism: true,
    maxWorkers: 2,
    projects: [
      // Pure tests share one module graph per worker: importing the SDK and oclif once is most of
      // their time.
      { extends: true, test: { name: 'unit', include: [UNIT], isolate: false } },
      {
        extends: true,
        test: {
          name: 'e2e',
          // A hang guard, not a time limit: a test that runs the CLI several times took over 20 s
          // on a CI machine shared with other work (load average near 100 on 2 cores).
          testTimeout: 60_000,
          include: ['test/**/*.test.ts', 'templates/servers/*/test/**/*.test.ts'],
          exclude: ['**/node_modules/**', 'examples/**', UNIT],
        },
      },
    ],
  },
});
