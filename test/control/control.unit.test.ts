// The control channel with real Unix sockets in temporary workspaces, all in this process: what
// `mcpx dev` serves and what `mcpx status` / `mcpx restart` ask.
import { link, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ControlClientOptions,
  controlRestart,
  controlStatus,
} from '../../src/control/client.js';
import { MAX_SOCKET_PATH_BYTES, controlLocation } from '../../src/control/location.js';
import { type ControlHandlers, ControlServer } from '../../src/control/server.js';
import { ExitCode, McpxError } from '../../src/errors.js';
import type { ClusterSnapshot } from '../../src/supervisor/state.js';
import { until } from '../helpers/until.js';

const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function workspace(name = 'ws'): Promise<string> {
  const base = await mkdtemp(join(tmpdir(), 'mcpx-ctl-test-'));
  cleanups.push(() => rm(base, { recursive: true, force: true }));
  const root = join(base, name);
  await mkdir(root, { recursive: true });
  return root;
}

function snapshot(root: string): ClusterSnapshot {
  return {
    root,
    pid: process.pid,
    startedAt: '2026-11-24T10:00:00.000Z',
    replicas: [
      {
        server: 'docs',
        replica: 0,
        state: 'ready',
        transport: 'http',
        pid: 4301,
        port: 43117,
        readySince: '2026-11-24T10:00:01.000Z',
        readyMs: 180,
        restarts: 0,
        lastReload: undefined,
        counts: { tools: 0, resources: 3, resourceTemplates: 1, prompts: 0 },
        lastError: undefined,
      },
    ],
  };
}

/** Handlers of a pretend cluster that runs `docs` with 2 replicas. */
function handlers(root: string, overrides: Partial<ControlHandlers> = {}): ControlHandlers {
  return {
    status: () => snapshot(root),
    restart: async (server) => {
      if (server !== 'docs') {
        throw new McpxError(`No server "${server}" in this cluster.`, {
          hint: 'servers: docs',
        });
      }
      return { restarted: 2 };
    },
    ...overrides,
  };
}

async function listen(root: string, h: ControlHandlers = handlers(root)): Promise<ControlServer> {
  const server = await ControlServer.listen(root, h);
  cleanups.push(() => server.close());
  return server;
}

/** What `mcpx status` and `mcpx restart` ask, for the workspace at `root`. */
function connect(root: string, options: ControlClientOptions = {}) {
  return {
    status: () => controlStatus(root, options),
    restart: (server: string) => controlRestart(root, server, options),
  };
}

async function rejection(promise: Promise<unknown>): Promise<McpxError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(McpxError);
  return error as McpxError;
}

/** A raw HTTP exchange on the socket, as curl --unix-socket would make it. */
function raw(
  socketPath: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: JSON.parse(text || 'null'),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('round trips', () => {
  it('answers status and restart', async () => {
    const root = await workspace();
    await listen(root);
    const client = connect(root);
    expect(await client.status()).toEqual(JSON.parse(JSON.stringify(snapshot(root))));
    expect(await client.restart('docs')).toEqual({ restarted: 2 });
  });

  it("passes on mcpx dev's McpxError with its hint and exit code", async () => {
    const root = await workspace();
    await listen(root);
    const client = connect(root);
    const error = await rejection(client.restart('nope'));
    expect(error.message).toBe('No server "nope" in this cluster.');
    expect(error.hint).toBe('servers: docs');
    expect(error.exitCode).toBe(ExitCode.usage);
    // The connection is still good.
    expect(await client.restart('docs')).toEqual({ restarted: 2 });
  });

  it('reports an unexpected handler failure as a bug of mcpx dev', async () => {
    const root = await workspace();
    await listen(
      root,
      handlers(root, {
        status: () => {
          throw new TypeError('replicas is not iterable');
        },
      }),
    );
    const client = connect(root);
    const error = await rejection(client.status());
    expect(error.message).toBe(
      'mcpx dev failed to report the cluster status: replicas is not iterable',
    );
    expect(error.exitCode).toBe(ExitCode.bug);
  });

  it('answers a status while a restart is still running', async () => {
    const root = await workspace();
    let finish: (() => void) | undefined;
    await listen(
      root,
      handlers(root, {
        restart: () =>
          new Promise((resolve) => {
            finish = () => resolve({ restarted: 1 });
          }),
      }),
    );
    const client = connect(root);
    const restart = client.restart('docs');
    await until('the restart request', () => finish !== undefined);
    // The restart is still running: the status is answered first.
    expect((await client.status()).pid).toBe(process.pid);
    finish?.();
    expect(await restart).toEqual({ restarted: 1 });
  });

  it('gives up on an answer after the timeout with exit code 4', async () => {
    const root = await workspace();
    await listen(root, handlers(root, { restart: () => new Promise(() => {}) }));
    const client = connect(root, { restartTimeoutMs: 200 });
    const error = await rejection(client.restart('docs'));
    expect(error.message).toBe(
      `mcpx dev (pid ${process.pid}) did not answer "restart" within 0.2 s.`,
    );
    expect(error.exitCode).toBe(ExitCode.unreachable);
  });

  it('rejects waiting requests when mcpx dev goes away', async () => {
    const root = await workspace();
    let asked = false;
    const server = await listen(
      root,
      handlers(root, {
        restart: () => {
          asked = true;
          return new Promise(() => {});
        },
      }),
    );
    const client = connect(root);
    const outcome = rejection(client.restart('docs'));
    await until('the restart request', () => asked);
    await server.close();
    const error = await outcome;
    expect(error.message).toBe(`mcpx dev (pid ${process.pid}) closed the control connection.`);
    expect(error.exitCode).toBe(ExitCode.unreachable);
  });
});

describe('where the socket is', () => {
  it('is owner-only: a 0700 folder, a 0600 socket, and control.json names it', async () => {
    const root = await workspace();
    const location = controlLocation(root);
    // A folder left by an earlier run with looser permissions is tightened.
    await mkdir(location.privateDir, { recursive: true, mode: 0o755 });
    const server = await listen(root);

    expect(server.socketPath).toBe(location.socket);
    const socket = await stat(server.socketPath);
    expect(socket.isSocket()).toBe(true);
    expect(socket.mode & 0o777).toBe(0o600);
    const folder = await stat(location.privateDir);
    expect(folder.mode & 0o777).toBe(0o700);
    expect(JSON.parse(await readFile(location.infoFile, 'utf8'))).toEqual({
      socket: server.socketPath,
      pid: process.pid,
    });
  });

  it('removes the socket and control.json on close', async () => {
    const root = await workspace();
    const location = controlLocation(root);
    const server = await listen(root);
    await server.close();
    await server.close();
    for (const path of [location.socket, location.infoFile]) {
      await expect(stat(path)).rejects.toThrow(/ENOENT/);
    }
  });

  it('falls back to a private temporary folder when the workspace path is too long', async () => {
    const root = await workspace(`${'deep-folder-name/'.repeat(7)}ws`);
    const location = controlLocation(root);
    expect(Buffer.byteLength(location.socket)).toBeGreaterThan(MAX_SOCKET_PATH_BYTES);

    const server = await listen(root);
    expect(dirname(dirname(server.socketPath))).toBe(tmpdir());
    expect((await stat(dirname(server.socketPath))).mode & 0o777).toBe(0o700);
    expect((await stat(server.socketPath)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(location.infoFile, 'utf8'))).toEqual({
      socket: server.socketPath,
      pid: process.pid,
    });

    const client = connect(root);
    expect((await client.status()).root).toBe(root);

    await server.close();
    await expect(stat(dirname(server.socketPath))).rejects.toThrow(/ENOENT/);
    await expect(stat(location.infoFile)).rejects.toThrow(/ENOENT/);
  });
});

/**
 * Leaves what an `mcpx dev` killed with SIGKILL leaves: a socket file nobody listens on, and
 * control.json naming it and a dead pid. A server that closes removes its socket, so a second name
 * (a hard link) keeps the socket file and takes its place afterwards.
 */
async function deadServerAt(socketPath: string, infoFile: string): Promise<void> {
  await mkdir(dirname(socketPath), { recursive: true, mode: 0o700 });
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  await link(socketPath, `${socketPath}.kept`);
  await new Promise((resolve) => server.close(resolve));
  await rename(`${socketPath}.kept`, socketPath);
  expect((await stat(socketPath)).isSocket()).toBe(true);
  // Above Linux's largest pid (2^22), so no process has it.
  await writeFile(infoFile, JSON.stringify({ socket: socketPath, pid: 5_000_000 }));
}

describe('a stale socket', () => {
  it('means "not running" to a client, and is replaced by the next server', async () => {
    const root = await workspace();
    const location = controlLocation(root);
    await deadServerAt(location.socket, location.infoFile);

    const error = await rejection(controlStatus(root));
    expect(error.message).toBe(`mcpx dev is not running in ${root}.`);

    const server = await listen(root);
    expect(server.socketPath).toBe(location.socket);
    expect(JSON.parse(await readFile(location.infoFile, 'utf8'))).toMatchObject({
      pid: process.pid,
    });
    const client = connect(root);
    expect((await client.status()).pid).toBe(process.pid);
  });

  it('is removed with its temporary folder when control.json points there', async () => {
    const root = await workspace();
    const location = controlLocation(root);
    const oldDir = await mkdtemp(join(tmpdir(), 'mcpx-control-'));
    cleanups.push(() => rm(oldDir, { recursive: true, force: true }));
    await mkdir(location.stateDir, { recursive: true });
    await deadServerAt(join(oldDir, 'control.sock'), location.infoFile);

    await listen(root);
    await expect(stat(oldDir)).rejects.toThrow(/ENOENT/);
  });
});

describe('a second mcpx dev', () => {
  it('is refused while the first runs, which keeps serving', async () => {
    const root = await workspace();
    const location = controlLocation(root);
    const first = await listen(root);
    const info = await readFile(location.infoFile, 'utf8');

    const error = await rejection(ControlServer.listen(root, handlers(root)));
    expect(error.message).toBe(
      `mcpx dev is already running for this workspace (pid ${process.pid}).`,
    );
    expect(error.exitCode).toBe(ExitCode.usage);
    expect(error.hint).toContain(`kill ${process.pid}`);

    expect(await readFile(location.infoFile, 'utf8')).toBe(info);
    expect((await stat(first.socketPath)).isSocket()).toBe(true);
    const client = connect(root);
    expect(await client.restart('docs')).toEqual({ restarted: 2 });
  });

  it('is refused when two start at the same moment: exactly one wins', async () => {
    const root = await workspace();
    const results = await Promise.allSettled([
      ControlServer.listen(root, handlers(root)),
      ControlServer.listen(root, handlers(root)),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    for (const r of won) cleanups.push(() => r.value.close());
    expect(won).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected');
    expect(String(lost?.reason)).toMatch(/already running for this workspace/);
  });
});

describe('bad input', () => {
  it('gets a JSON error with the status that fits, and the server keeps serving', async () => {
    const root = await workspace();
    const server = await listen(root);
    expect(await raw(server.socketPath, 'GET', '/shutdown')).toMatchObject({
      status: 404,
      body: {
        error: {
          message: 'no control route GET /shutdown',
          hint: 'use GET /status or POST /servers/<name>/restart',
        },
      },
    });
    expect(await raw(server.socketPath, 'POST', '/status')).toMatchObject({
      status: 405,
      headers: { allow: 'GET' },
      body: { error: { message: '/status takes GET, not POST' } },
    });
    expect(await raw(server.socketPath, 'GET', '/servers/docs/restart')).toMatchObject({
      status: 405,
      headers: { allow: 'POST' },
    });
    // A name that is not valid percent-encoding names no server.
    expect((await raw(server.socketPath, 'POST', '/servers/%E0%A4%A/restart')).status).toBe(404);
    expect(await raw(server.socketPath, 'POST', '/servers/nope/restart')).toMatchObject({
      status: 400,
      body: { error: { message: 'No server "nope" in this cluster.', exitCode: ExitCode.usage } },
    });
    // A target `new URL` would throw on.
    expect((await raw(server.socketPath, 'GET', 'http://[')).status).toBe(404);
    // Headers past Node's limit are refused before any handler runs.
    const huge = await raw(server.socketPath, 'GET', '/status', { 'x-pad': 'x'.repeat(17 * 1024) });
    expect(huge.status).toBe(431);
    expect(await raw(server.socketPath, 'GET', '/status?verbose')).toMatchObject({
      status: 200,
      body: { pid: process.pid },
    });
  });

  it('a client refuses an answer longer than 1 MiB', async () => {
    const root = await workspace();
    await listen(
      root,
      handlers(root, { status: () => ({ ...snapshot(root), root: 'x'.repeat(1024 * 1024) }) }),
    );
    const error = await rejection(connect(root).status());
    expect(error.message).toBe(
      `mcpx dev (pid ${process.pid}) sent an answer longer than 1048576 bytes.`,
    );
    expect(error.exitCode).toBe(ExitCode.unreachable);
  });

  it('survives a client that hangs up before its answer', async () => {
    const root = await workspace();
    let release: ((value: { restarted: number }) => void) | undefined;
    const server = await listen(
      root,
      handlers(root, {
        restart: () => new Promise((resolve) => (release = resolve)),
      }),
    );
    const req = request({
      socketPath: server.socketPath,
      method: 'POST',
      path: '/servers/docs/restart',
    });
    const hungUp = new Promise((resolve) => req.once('close', resolve));
    req.on('error', () => {});
    req.end();
    await until('the restart request', () => release !== undefined);
    req.destroy();
    await hungUp;
    release?.({ restarted: 1 });
    const client = connect(root);
    expect(await client.status()).toMatchObject({ pid: process.pid });
  });
});

describe('a client without a server', () => {
  it('gets an McpxError that says to start mcpx dev, exit code 4', async () => {
    const root = await workspace();
    const error = await rejection(controlStatus(root));
    expect(error.message).toBe(`mcpx dev is not running in ${root}.`);
    expect(error.hint).toBe('start it with `mcpx dev`');
    expect(error.exitCode).toBe(ExitCode.unreachable);
  });

  it('gets the same after the server closed', async () => {
    const root = await workspace();
    const server = await listen(root);
    await server.close();
    const error = await rejection(controlStatus(root));
    expect(error.message).toBe(`mcpx dev is not running in ${root}.`);
  });
});
