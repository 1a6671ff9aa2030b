// `mcpx smoke` in-process: it returns its report, as the other commands return their results.
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import Smoke from '../../src/commands/smoke.js';
import { fixture, fixtureWorkspace, removeWorkspaces } from '../helpers/workspace.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

afterEach(async () => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
  await removeWorkspaces();
});

/** Runs the command in this process; what it wrote to stdout, and what it returned. */
async function smoke(argv: string[]) {
  const chunks: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  const report = await Smoke.run(argv, REPO);
  vi.restoreAllMocks();
  return { report, stdout: chunks.join('') };
}

describe('mcpx smoke (in-process)', () => {
  it('returns its report, which oclif prints for --json', async () => {
    const dir = await fixtureWorkspace({ ok: { command: 'node', args: [fixture('good-stdio')] } });
    const { report, stdout } = await smoke(['--dir', dir, '--json']);
    expect(report.servers.map((s) => s.server)).toEqual(['ok']);
    expect(report.exitCode).toBe(0);
    expect(JSON.parse(stdout)).toEqual(JSON.parse(JSON.stringify(report)));
    expect(process.exitCode).toBeUndefined();
  }, 60_000);

  it('still returns the report when a server fails, and sets the exit code', async () => {
    const dir = await fixtureWorkspace({
      crasher: { command: 'node', args: [fixture('crash-at-start')] },
    });
    const { report } = await smoke(['--dir', dir, '--json']);
    expect(report.exitCode).toBe(4);
    expect(report.servers[0]?.checks.find((c) => c.name === 'start')?.status).toBe('fail');
    expect(process.exitCode).toBe(4);
  }, 60_000);
});
