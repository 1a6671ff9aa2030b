// The control channel with real Unix sockets in temporary workspaces: what `mcpx dev` serves and
// what `mcpx status` / `mcpx restart` ask.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { type Socket, createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlClient } from '../../src/control/client.js';
import { MAX_SOCKET_PATH_BYTES, controlLocation } from '../../src/control/location.js';
import { type ControlHandlers, ControlServer } from '../../src/control/server.js';
import { ExitCode, McpxError } from '../../src/errors.js';
import type { ClusterSnapshot } from '../../src/supervisor/state.js';
import { waitForExit } from '../helpers/processes.js';

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

async function connect(root: string): Promise<ControlClient> {
  const client = await ControlClient.connect(root);
  cleanups.push(async () => client.close());
  return client;
}

async function rejection(promise: Promise<unknown>): Promise<McpxError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(McpxError);
  return error as McpxError;
}

/** A raw connection that sends lines as given and collects the lines it gets back. */
async function rawConnection(path: string): Promise<{
  socket: Socket;
  send(text: string): void;
  nextLine(): Promise<Record<string, unknown>>;
  closed: Promise<void>;
}> {
  const socket = createConnection({ path });
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  cleanups.push(async () => socket.destroy());
  let buffer = '';
  const waiting: (() => void)[] = [];
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    for (const wake of waiting.splice(0)) wake();
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const nextLine = async (): Promise<Record<string, unknown>> => {
    while (!buffer.includes('\n')) await new Promise<void>((resolve) => waiting.push(resolve));
    const end = buffer.indexOf('\n');
    const line = buffer.slice(0, end);
    buffer = buffer.slice(end + 1);
    return JSON.parse(line) as Record<string, unknown>;
  };
  return { socket, send: (text) => socket.write(text), nextLine, closed };
}

describe('round trips', () => {
  it('answers status and restart', async () => {
    const root = await workspace();
    await listen(root);
    const client = await connect(root);
    expect(await client.status()).toEqual(JSON.parse(JSON.stringify(snapshot(root))));
    expect(await client.restart('docs')).toEqual({ restarted: 2 });
  });

  it("passes on mcpx dev's McpxError with its hint and exit code", async () => {
    const root = await workspace();
    await listen(root);
    const client = await connect(root);
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
    const client = await connect(root);
    const error = await rejection(client.status());
    expect(error.message).toBe(
      'mcpx dev failed to report the cluster status: replicas is not iterable',
    );
    expect(error.exitCode).toBe(ExitCode.bug);
  });

  it('answers requests on one connection out of order, each when it is done', async () => {
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
    const client = await connect(root);
    const restart = client.restart('docs');
    // The restart is still running: the status is answered first.
    expect((await client.status()).pid).toBe(process.pid);
    finish?.();
    expect(await restart).toEqual({ restarted: 1 });
  });

  it('gives up on an answer after the timeout with exit code 4', async () => {
    const root = await workspace();
    await listen(root, handlers(root, { restart: () => new Promise(() => {}) }));
    const client = await ControlClient.connect(root, { restartTimeoutMs: 200 });
    cleanups.push(async () => client.close());
    const error = await rejection(client.restart('docs'));
    expect(error.message).toBe(
      `mcpx dev (pid ${process.pid}) did not answer "restart" within 0.2 s.`,
    );
    expect(error.exitCode).toBe(ExitCode.unreachable);
  });

  it('rejects waiting requests when mcpx dev goes away', async () => {
    const root = await workspace();
    const server = await listen(root, handlers(root, { restart: () => new Promise(() => {}) }));
    const client = await connect(root);
    const outcome = rejection(client.restart('docs'));
    await new Promise((resolve) => setTimeout(resolve, 50));
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

    const client = await connect(root);
    expect((await client.status()).root).toBe(root);
    client.close();

    await server.close();
    await expect(stat(dirname(server.socketPath))).rejects.toThrow(/ENOENT/);
    await expect(stat(location.infoFile)).rejects.toThrow(/ENOENT/);
  });
});

/**
 * Leaves what an `mcpx dev` killed with SIGKILL leaves: a socket file nobody listens on, and
 * control.json naming it and the dead pid.
 */
async function deadServerAt(socketPath: string, infoFile: string): Promise<void> {
  await mkdir(dirname(socketPath), { recursive: true, mode: 0o700 });
  const script = `require('node:net').createServer().listen(${JSON.stringify(socketPath)}, () => console.log('up'))`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => child.stdout.once('data', resolve));
  const pid = child.pid ?? 0;
  child.kill('SIGKILL');
  expect(await waitForExit(pid, 5000)).toBe(true);
  expect((await stat(socketPath)).isSocket()).toBe(true);
  await writeFile(infoFile, JSON.stringify({ socket: socketPath, pid }));
}

describe('a stale socket', () => {
  it('means "not running" to a client, and is replaced by the next server', async () => {
    const root = await workspace();
    const location = controlLocation(root);
    await deadServerAt(location.socket, location.infoFile);

    const error = await rejection(ControlClient.connect(root));
    expect(error.message).toBe(`mcpx dev is not running in ${root}.`);

    const server = await listen(root);
    expect(server.socketPath).toBe(location.socket);
    expect(JSON.parse(await readFile(location.infoFile, 'utf8'))).toMatchObject({
      pid: process.pid,
    });
    const client = await connect(root);
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
    const client = await connect(root);
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
  it('gets an error response, and the server keeps serving on the same connection', async () => {
    const root = await workspace();
    const server = await listen(root);
    const raw = await rawConnection(server.socketPath);

    raw.send('hello there\n');
    expect(await raw.nextLine()).toMatchObject({
      id: null,
      error: { message: expect.stringMatching(/^invalid JSON: /), hint: expect.any(String) },
    });
    raw.send('[1,2]\n');
    expect(await raw.nextLine()).toMatchObject({
      id: null,
      error: { message: 'a request must be a JSON object' },
    });
    raw.send('{"id":"x","method":"status"}\n');
    expect(await raw.nextLine()).toMatchObject({
      id: null,
      error: { message: 'a request needs a whole-number "id"' },
    });
    raw.send('{"id":7,"method":"shutdown"}\n');
    expect(await raw.nextLine()).toEqual({
      id: 7,
      error: { message: 'unknown method "shutdown"', hint: 'use one of: status, restart' },
    });
    raw.send('{"id":8,"method":"restart","params":{}}\n');
    expect(await raw.nextLine()).toMatchObject({
      id: 8,
      error: { message: 'restart needs the server name: "params": {"server": "<name>"}' },
    });

    // Blank lines are skipped; a request split across writes is read whole.
    raw.send('\n\n{"id":9,');
    raw.send('"method":"status"}\r\n');
    expect(await raw.nextLine()).toMatchObject({ id: 9, result: { pid: process.pid } });
  });

  it('hangs up on a line longer than 1 MiB, and keeps serving others', async () => {
    const root = await workspace();
    const server = await listen(root);
    const raw = await rawConnection(server.socketPath);
    raw.send('x'.repeat(1024 * 1024 + 10));
    expect(await raw.nextLine()).toMatchObject({
      id: null,
      error: { message: expect.stringMatching(/longer than 1048576 bytes/) },
    });
    await raw.closed;

    const client = await connect(root);
    expect((await client.status()).pid).toBe(process.pid);
  });

  it('survives a client that hangs up before its answer', async () => {
    const root = await workspace();
    let answered: (() => void) | undefined;
    const done = new Promise<void>((resolve) => (answered = resolve));
    const server = await listen(
      root,
      handlers(root, {
        restart: async () => {
          await new Promise((resolve) => setTimeout(resolve, 100));
          answered?.();
          return { restarted: 1 };
        },
      }),
    );
    const raw = await rawConnection(server.socketPath);
    raw.send('{"id":1,"method":"restart","params":{"server":"docs"}}\n');
    raw.socket.destroy();
    await done;
    await new Promise((resolve) => setTimeout(resolve, 50));
    const client = await connect(root);
    expect(await client.restart('docs')).toEqual({ restarted: 1 });
  });
});

describe('a client without a server', () => {
  it('gets an McpxError that says to start mcpx dev, exit code 4', async () => {
    const root = await workspace();
    const error = await rejection(ControlClient.connect(root));
    expect(error.message).toBe(`mcpx dev is not running in ${root}.`);
    expect(error.hint).toBe('start it with `mcpx dev`');
    expect(error.exitCode).toBe(ExitCode.unreachable);
  });

  it('gets the same after the server closed', async () => {
    const root = await workspace();
    const server = await listen(root);
    await server.close();
    const error = await rejection(ControlClient.connect(root));
    expect(error.message).toBe(`mcpx dev is not running in ${root}.`);
  });
});
