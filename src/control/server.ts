import { chmod } from 'node:fs/promises';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { resolve } from 'node:path';
import { ExitCode, McpxError } from '../errors.js';
import type { ClusterSnapshot } from '../supervisor/state.js';
import { controlStatus } from './client.js';
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
import { STATUS_PATH, errorBody, restartTarget } from './protocol.js';

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
  private readonly location: ControlLocation;
  private readonly info: ControlInfo;
  private readonly tempDir: string | undefined;
  private closing: Promise<void> | undefined;

  private constructor(options: {
    server: Server;
    location: ControlLocation;
    info: ControlInfo;
    tempDir: string | undefined;
  }) {
    this.server = options.server;
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

    const server = createServer(controlListener(handlers));
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
    return new ControlServer({ server, location, info, tempDir });
  }

  /**
   * Stops listening, hangs up on clients, and removes the socket and control.json. (Node unlinks a
   * Unix socket when its server closes; unlinking it again later could delete the socket of an
   * `mcpx dev` started in the meantime. The private folder stays, for the same reason.)
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const closed = new Promise<void>((done) => this.server.close(() => done()));
      // A restart still being answered must not hold up the end of `mcpx dev`.
      this.server.closeAllConnections();
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
  const pid = await controlStatus(root, { timeoutMs: 1000 }).then(
    (status) => status.pid,
    () => info?.pid,
  );
  const which = pid === undefined ? '' : ` (pid ${pid})`;
  return new McpxError(`mcpx dev is already running for this workspace${which}.`, {
    hint:
      pid === undefined
        ? 'use `mcpx status` to see it, or stop it before starting another'
        : `use \`mcpx status\` to see it, or stop it first (Ctrl-C in its terminal, or \`kill ${pid}\`)`,
  });
}

/**
 * The HTTP request listener of the control channel. Never throws: every failure becomes an error
 * answer. A client that hangs up before its answer is its own business (Node drops the write).
 */
export function controlListener(
  handlers: ControlHandlers,
): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      response
        .writeHead(status, { 'content-type': 'application/json', ...headers })
        .end(JSON.stringify(body));
    };
    // Split by hand: `new URL` throws on some targets a client can send (`http://[`).
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const server = restartTarget(path);
    const route =
      path === STATUS_PATH
        ? { method: 'GET', doing: 'report the cluster status', run: async () => handlers.status() }
        : server !== undefined
          ? {
              method: 'POST',
              doing: `restart ${server}`,
              run: async () => handlers.restart(server),
            }
          : undefined;
    if (route === undefined) {
      send(404, {
        error: {
          message: `no control route ${request.method} ${path}`,
          hint: `use GET ${STATUS_PATH} or POST /servers/<name>/restart`,
        },
      });
      return;
    }
    if (request.method !== route.method) {
      send(
        405,
        { error: { message: `${path} takes ${route.method}, not ${request.method}` } },
        { allow: route.method },
      );
      return;
    }
    // Nothing reads a request body; resume() discards one rather than leave it in the socket.
    request.resume();
    route.run().then(
      (result) => send(200, result),
      (error: unknown) => {
        const body = errorBody(error, route.doing);
        send(body.exitCode === ExitCode.bug ? 500 : 400, { error: body });
      },
    );
  };
}
