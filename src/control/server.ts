import { chmod } from 'node:fs/promises';
import { type Server, type Socket, createServer } from 'node:net';
import { resolve } from 'node:path';
import { McpxError } from '../errors.js';
import type { ClusterSnapshot } from '../supervisor/state.js';
import { ControlClient } from './client.js';
import {
  type ControlInfo,
  type ControlLocation,
  claimControlInfo,
  controlLocation,
  ensurePrivateDir,
  errorCode,
  fitsSocketAddress,
  makeTempSocketDir,
  probeSocket,
  readControlInfo,
  removeControlInfo,
  removeStaleSocket,
  removeTempSocketDir,
  socketCandidates,
  socketPathIn,
} from './location.js';
import {
  type ControlRequest,
  LineReader,
  MAX_LINE_BYTES,
  encodeLine,
  errorBody,
  parseRequest,
} from './protocol.js';

/** What `mcpx dev` answers on its control channel. */
export interface ControlHandlers {
  /** The cluster as it is now. */
  status(): ClusterSnapshot;
  /**
   * Restarts every replica of `server` and resolves once they are started again. Throws an
   * McpxError for a server the cluster does not run; its message and hint reach the client.
   */
  restart(server: string): Promise<{ restarted: number }>;
}

/**
 * The server side of the control channel: `mcpx dev` listens on a Unix socket of its workspace so
 * that `mcpx status` and `mcpx restart` in another terminal can reach it. Only the owner of the
 * workspace's `.mcpx/control` folder can connect (see `ensurePrivateDir`).
 */
export class ControlServer {
  /** Where the socket is: in the workspace, or a private temporary folder if that path is too long. */
  readonly socketPath: string;
  private readonly server: Server;
  private readonly connections: Set<Socket>;
  private readonly location: ControlLocation;
  private readonly info: ControlInfo;
  private readonly tempDir: string | undefined;
  private closing: Promise<void> | undefined;

  private constructor(options: {
    server: Server;
    connections: Set<Socket>;
    location: ControlLocation;
    info: ControlInfo;
    tempDir: string | undefined;
  }) {
    this.server = options.server;
    this.connections = options.connections;
    this.location = options.location;
    this.info = options.info;
    this.tempDir = options.tempDir;
    this.socketPath = options.info.socket;
  }

  /**
   * Starts listening for the workspace at `root` and writes `.mcpx/control.json`. A socket left by
   * an `mcpx dev` that died is removed; if another `mcpx dev` of this workspace answers, this throws
   * an McpxError naming its pid.
   */
  static async listen(root: string, handlers: ControlHandlers): Promise<ControlServer> {
    const absolute = resolve(root);
    const location = controlLocation(absolute);
    // Private: it holds the log store, and servers print secrets.
    await ensurePrivateDir(location.stateDir);
    // Each attempt loses only to another `mcpx dev` that started at the same moment; the next
    // attempt then finds it alive and refuses. Three attempts cover a process that won and died.
    for (let attempt = 1; attempt <= 3; attempt++) {
      await clearStale(absolute, location);
      const server = await ControlServer.tryListen(location, handlers);
      if (server !== undefined) return server;
    }
    throw new McpxError(`mcpx could not claim the control socket of ${absolute}.`, {
      hint: `another mcpx dev seems to be starting there; stop it, or remove ${location.infoFile} and ${location.socket} if none runs`,
    });
  }

  /** Listens and claims control.json; undefined when another `mcpx dev` got there first. */
  private static async tryListen(
    location: ControlLocation,
    handlers: ControlHandlers,
  ): Promise<ControlServer | undefined> {
    let socketPath = location.socket;
    let tempDir: string | undefined;
    if (fitsSocketAddress(location.socket)) {
      await ensurePrivateDir(location.privateDir);
    } else {
      tempDir = await makeTempSocketDir();
      socketPath = socketPathIn(tempDir);
      if (!fitsSocketAddress(socketPath)) {
        await removeTempSocketDir(tempDir);
        throw new McpxError(
          `Both ${location.socket} and ${socketPath} are too long for a Unix socket address.`,
          { hint: 'set TMPDIR to a short folder such as /tmp, or move the workspace' },
        );
      }
    }

    const connections = new Set<Socket>();
    const server = createServer((socket) => serveConnection(socket, handlers, connections));
    const giveUp = async (): Promise<undefined> => {
      if (tempDir !== undefined) await removeTempSocketDir(tempDir);
      return undefined;
    };
    try {
      await new Promise<void>((done, fail) => {
        server.once('error', fail);
        server.listen(socketPath, () => {
          server.off('error', fail);
          done();
        });
      });
    } catch (error) {
      // Someone bound the path since clearStale looked: the caller looks again.
      if (errorCode(error) === 'EADDRINUSE') return giveUp();
      await giveUp();
      throw error;
    }
    // The folder already keeps others out; 0600 also says so to anyone reading `ls -l`.
    await chmod(socketPath, 0o600);

    const info: ControlInfo = { socket: socketPath, pid: process.pid };
    if (!(await claimControlInfo(location.infoFile, info))) {
      await new Promise<void>((done) => server.close(() => done()));
      return giveUp();
    }
    return new ControlServer({ server, connections, location, info, tempDir });
  }

  /**
   * Stops listening, hangs up on clients, and removes the socket and control.json. (Node unlinks a
   * Unix socket when its server closes; unlinking it again later could delete the socket of an
   * `mcpx dev` started in the meantime. The private folder stays, for the same reason.)
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const closed = new Promise<void>((done) => this.server.close(() => done()));
      for (const socket of this.connections) socket.destroy();
      await closed;
      await removeControlInfo(this.location.infoFile, this.info);
      if (this.tempDir !== undefined) await removeTempSocketDir(this.tempDir);
    })();
    return this.closing;
  }
}

/**
 * Removes what a dead `mcpx dev` left (socket, temporary folder, control.json); throws if a live one
 * answers at any place a client would look.
 */
async function clearStale(root: string, location: ControlLocation): Promise<void> {
  const info = await readControlInfo(location.infoFile);
  for (const path of socketCandidates(location, info)) {
    const found = await probeSocket(path);
    if (found === 'live') throw await alreadyRunning(root, info);
    if (found === 'stale') await removeStaleSocket(location, path);
  }
  if (info !== undefined) await removeControlInfo(location.infoFile, info);
}

async function alreadyRunning(root: string, info: ControlInfo | undefined): Promise<McpxError> {
  // Ask the live server for its pid: control.json may be missing or older than it.
  const pid = await ControlClient.connect(root, { timeoutMs: 1000 })
    .then(async (client) => {
      try {
        return (await client.status()).pid;
      } finally {
        client.close();
      }
    })
    .catch(() => info?.pid);
  const which = pid === undefined ? '' : ` (pid ${pid})`;
  return new McpxError(`mcpx dev is already running for this workspace${which}.`, {
    hint:
      pid === undefined
        ? 'use `mcpx status` to see it, or stop it before starting another'
        : `use \`mcpx status\` to see it, or stop it first (Ctrl-C in its terminal, or \`kill ${pid}\`)`,
  });
}

/** Answers the requests of one client connection, each as soon as it is done. */
function serveConnection(
  socket: Socket,
  handlers: ControlHandlers,
  connections: Set<Socket>,
): void {
  connections.add(socket);
  socket.once('close', () => connections.delete(socket));
  // A client that hangs up before its answer makes the write fail (EPIPE). That is its business and
  // must not take `mcpx dev` down with an unhandled 'error' event.
  socket.on('error', () => socket.destroy());

  const reader = new LineReader();
  let reading = true;
  const send = (line: string): void => {
    if (socket.writable) socket.write(line);
  };
  socket.on('data', (chunk: Buffer) => {
    if (!reading) return;
    const { lines, overflow } = reader.push(chunk);
    for (const line of lines) {
      if (line.trim() !== '') void answer(line, handlers).then(send);
    }
    if (overflow) {
      reading = false;
      send(
        encodeLine({
          id: null,
          error: {
            message: `request line longer than ${MAX_LINE_BYTES} bytes; closing the connection`,
            hint: 'send one JSON request per line, ending with "\\n"',
          },
        }),
      );
      socket.end();
    }
  });
}

/** The response line for one request line. Never rejects: every failure becomes an error response. */
async function answer(line: string, handlers: ControlHandlers): Promise<string> {
  const parsed = parseRequest(line);
  if (!parsed.ok) return encodeLine(parsed.response);
  const { id } = parsed.request;
  const doing = whatItDoes(parsed.request);
  try {
    return encodeLine({ id, result: await dispatch(parsed.request, handlers) });
  } catch (error) {
    return encodeLine({ id, error: errorBody(error, doing) });
  }
}

async function dispatch(request: ControlRequest, handlers: ControlHandlers): Promise<unknown> {
  switch (request.method) {
    case 'status':
      return handlers.status();
    case 'restart': {
      const server = request.params?.server;
      if (typeof server !== 'string' || server === '') {
        throw new McpxError('restart needs the server name: "params": {"server": "<name>"}');
      }
      return handlers.restart(server);
    }
  }
}

function whatItDoes(request: ControlRequest): string {
  return request.method === 'restart'
    ? `restart ${String(request.params?.server)}`
    : 'report the cluster status';
}
