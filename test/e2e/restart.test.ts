/**
 * `mcpx restart` against a real `mcpx dev`: it succeeds only when the server is ready again. The
 * server is good-stdio behind a shell line that fails at start while a flag file exists, as a
 * server with a broken config file would.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mcpx } from '../helpers/cli.js';
import { type DevProcess, startDevProcess } from '../helpers/dev-process.js';
import { waitForExit } from '../helpers/processes.js';
import { fixture, fixtureWorkspace, removeWorkspaces, statusOf } from '../helpers/workspace.js';

let dev: DevProcess | undefined;
afterAll(async () => {
  if (dev !== undefined && dev.child.exitCode === null && dev.child.signalCode === null) {
    dev.child.kill('SIGINT');
    if (!(await waitForExit(dev.pid, 15_000))) dev.child.kill('SIGKILL');
  }
  await removeWorkspaces();
});

describe('mcpx restart', () => {
  it('exits 1 with the reason when the server does not start again, and 0 once it does', async () => {
    const dir = await fixtureWorkspace({});
    const flag = join(dir, 'broken');
    await writeFile(
      join(dir, 'mcpx.json'),
      JSON.stringify({
        mcpServers: {
          flaky: {
            command: 'sh',
            args: [
              '-c',
              `if [ -e '${flag}' ]; then echo 'ERROR config is broken' >&2; exit 3; fi; exec '${process.execPath}' '${fixture('good-stdio')}'`,
            ],
          },
        },
      }),
    );
    dev = startDevProcess(dir, ['--no-watch']);
    await dev.waitFor(/flaky\s+\| ready in/, 30_000);

    await writeFile(flag, '');
    const failed = await mcpx(['restart', 'flaky'], { cwd: dir });
    expect(failed.exitCode, failed.stdout).toBe(1);
    expect(failed.stdout).not.toContain('Restarted');
    expect(failed.stderr).toContain('Restarting flaky failed');
    expect(failed.stderr).toContain('exited with code 3 before it was ready');
    expect(failed.stderr).toContain('ERROR config is broken');
    expect(failed.stderr).toContain('mcpx logs -s flaky');
    expect((await statusOf(dir))?.replicas[0]?.state).not.toBe('ready');

    await rm(flag);
    const fixed = await mcpx(['restart', 'flaky'], { cwd: dir });
    expect(fixed.exitCode, fixed.stderr).toBe(0);
    expect(fixed.stdout).toContain('Restarted flaky (1 replica)');
    expect((await statusOf(dir))?.replicas[0]?.state).toBe('ready');

    dev.child.kill('SIGINT');
    expect((await dev.exited).code).toBe(0);
  }, 60_000);
});
