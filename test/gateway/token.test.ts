// Several `mcpx dev` starting at once in one workspace end with one gateway token: real processes
// released at the same moment, each creating the file if it is missing.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { gatewayTokenFile } from '../../src/gateway/token.js';
import { waitForExit } from '../helpers/processes.js';
import { until } from '../helpers/until.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CREATOR = join(REPO, 'test/fixtures/gateway-token.ts');

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (child.pid !== undefined) await waitForExit(child.pid, 10_000);
  }
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('gateway token', () => {
  it('two or more racing creators end with one token, complete in the file', async () => {
    for (let round = 0; round < 3; round++) {
      const root = await mkdtemp(join(tmpdir(), 'mcpx-token-race-'));
      dirs.push(root);
      const creators = Array.from({ length: 4 }, () => {
        const child = spawn(process.execPath, ['--import', 'tsx', CREATOR], {
          cwd: REPO,
          env: { ...process.env, WORKSPACE: root },
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        children.push(child);
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
        child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
        return { child, exited, stdout: () => stdout, stderr: () => stderr };
      });
      // Loaded and waiting, all of them: then released together.
      await until('every creator to load', () => creators.every((c) => c.stdout() === 'ready\n'), {
        timeoutMs: 60_000,
      });
      for (const c of creators) c.child.stdin.write('go\n');
      const codes = await Promise.all(creators.map((c) => c.exited));
      expect(codes, creators.map((c) => c.stderr()).join('\n')).toEqual([0, 0, 0, 0]);

      const token = (await readFile(gatewayTokenFile(root), 'utf8')).trim();
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      for (const c of creators) {
        expect(JSON.parse(c.stdout().split('\n')[1] ?? '')).toEqual({ token });
      }
      expect((await stat(gatewayTokenFile(root))).mode & 0o777).toBe(0o600);
      expect(await readdir(join(root, '.mcpx'))).toEqual(['gateway-token']);
    }
  }, 120_000);
});
