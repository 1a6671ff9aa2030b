import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'templates/servers/*/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'examples/**'],
    // oclif commands print through console; keep it visible to runCommand.
    disableConsoleIntercept: true,
    testTimeout: 20_000,
    hookTimeout: 120_000,
    // End-to-end tests install packages and spawn servers: keep them off each other's toes on 2 cores.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
