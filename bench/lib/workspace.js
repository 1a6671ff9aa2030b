// Shared set-up for the benchmarks: temp workspaces that use the repo's node_modules, the built CLI,
// and small timing helpers.
import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(REPO, 'bin/run.js');

/** A temp workspace with `mcpx.json` = { mcpServers: servers, ...extra } and copies of example servers. */
export async function makeWorkspace(servers, copy = [], extra = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'mcpx-bench-'));
  await symlink(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  await cp(join(REPO, 'examples/tsconfig.base.json'), join(dir, 'tsconfig.base.json'));
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'bench', private: true, type: 'module' }),
  );
  for (const name of copy) {
    await cp(join(REPO, 'examples/servers', name), join(dir, 'servers', name), { recursive: true });
  }
  await writeFile(
    join(dir, 'mcpx.json'),
    JSON.stringify({ mcpServers: servers, ...extra }, null, 2),
  );
  return {
    dir,
    remove: () => rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }),
  };
}

/**
 * Spawns a process in its own group, with a line-by-line view of its stdout+stderr (its stdout
 * goes to `options.stdout` instead when given: a stream or fd).
 */
export function run(command, args, options = {}) {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', CI: 'true', ...options.env },
    // A stdin that stays open: the template's HTTP entry stops when a piped stdin ends, and tsx and
    // nodemon hand their own stdin on to the server.
    stdio: ['pipe', options.stdout ?? 'pipe', 'pipe'],
    detached: true,
  });
  const listeners = new Set();
  let pending = '';
  const onText = (text) => {
    const lines = (pending + text).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) for (const listener of listeners) listener(line);
  };
  if (!options.rawStdout) child.stdout.setEncoding('utf8').on('data', onText);
  child.stderr.setEncoding('utf8').on('data', onText);
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    exited,
    /** Resolves with the next line matching `pattern` (lines seen before the call do not count). */
    next(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(listener);
          reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms`));
        }, timeoutMs);
        const listener = (line) => {
          if (!pattern.test(line)) return;
          clearTimeout(timer);
          listeners.delete(listener);
          resolve(line);
        };
        listeners.add(listener);
      });
    },
    /** Stops the whole group: SIGINT (mcpx's own clean stop), then SIGKILL if it lingers. */
    async stop(signal = 'SIGINT') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // The group is gone already.
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // Exited meanwhile.
        }
      }, 8000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export { freePort } from '../../dist/supervisor/ports.js';
