/**
 * Where a workspace's control socket lives, and how a client finds it.
 *
 * ```
 * <root>/.mcpx/control.json          {"socket": "<path of the socket>", "pid": <pid of mcpx dev>}
 * <root>/.mcpx/control/              mode 0700
 * <root>/.mcpx/control/control.sock  mode 0600, when its path fits in a socket address
 * $TMPDIR/mcpx-control-XXXXXX/       mode 0700 (mkdtemp), holding control.sock otherwise
 * ```
 */
import { randomBytes } from 'node:crypto';
import {
  chmod,
  link,
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  rm,
  rmdir,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { type Socket, createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { McpxError } from '../errors.js';

/** The paths of one workspace's control channel. */
export interface ControlLocation {
  /** `<root>/.mcpx`: mcpx's run-time state. */
  stateDir: string;
  /** `<root>/.mcpx/control`: the private folder (0700) holding the socket when it fits. */
  privateDir: string;
  /** `<root>/.mcpx/control/control.sock`: the socket's place unless its path is too long. */
  socket: string;
  /** `<root>/.mcpx/control.json`: where the socket really is and which process serves it. */
  infoFile: string;
}

/** What `control.json` says. */
export interface ControlInfo {
  socket: string;
  pid: number;
}

const SOCKET_NAME = 'control.sock';
const TEMP_PREFIX = 'mcpx-control-';

/**
 * The longest socket path `listen()` accepts, in bytes: `sun_path` is 108 bytes on Linux and 104
 * on macOS and the BSDs, including the terminating NUL.
 */
export const MAX_SOCKET_PATH_BYTES = process.platform === 'linux' ? 107 : 103;

/** The control paths of the workspace at `root` (an absolute path). */
export function controlLocation(root: string): ControlLocation {
  const stateDir = join(root, '.mcpx');
  const privateDir = join(stateDir, 'control');
  return {
    stateDir,
    privateDir,
    socket: join(privateDir, SOCKET_NAME),
    infoFile: join(stateDir, 'control.json'),
  };
}

/** Whether `listen()` and `connect()` accept `path` as a Unix socket address. */
export function fitsSocketAddress(path: string): boolean {
  return Buffer.byteLength(path) <= MAX_SOCKET_PATH_BYTES;
}

/**
 * The places a client should try, best first: control.json's, then the default one. A path too long
 * for a socket address cannot be connected to (EINVAL), so it is left out.
 */
export function socketCandidates(
  location: ControlLocation,
  info: ControlInfo | undefined,
): string[] {
  const candidates = info === undefined ? [location.socket] : [info.socket, location.socket];
  return [...new Set(candidates)].filter(fitsSocketAddress);
}

/** control.json, or undefined when it is missing or not what mcpx writes (say, half-deleted). */
export async function readControlInfo(file: string): Promise<ControlInfo | undefined> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { socket, pid } = value as Record<string, unknown>;
  if (typeof socket !== 'string' || socket === '' || typeof pid !== 'number') return undefined;
  return { socket, pid };
}

/**
 * Creates control.json with `info` unless it exists; false if it does. Written to a temporary
 * file and hard-linked into place, so that creating it is exclusive (two `mcpx dev` starting at
 * once cannot both win) and a reader never sees it half-written.
 */
export async function claimControlInfo(file: string, info: ControlInfo): Promise<boolean> {
  const temp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  await writeFile(temp, `${JSON.stringify(info)}\n`, { flag: 'wx' });
  try {
    await link(temp, file);
    return true;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(temp, { force: true });
  }
}

/**
 * Removes control.json if it still says what `expected` says. Another `mcpx dev` may have
 * replaced it since it was read; its file must survive our clean-up.
 */
export async function removeControlInfo(file: string, expected: ControlInfo): Promise<void> {
  const current = await readControlInfo(file);
  if (current?.socket === expected.socket && current.pid === expected.pid) {
    await rm(file, { force: true });
  }
}

/**
 * Makes `dir` a folder only its owner can enter. That is what guards the socket: connecting to a
 * Unix socket needs search permission on every folder of its path, and the folder is private before
 * the socket exists, so there is no moment at which another user could connect. (The socket's own
 * mode bits are set to 0600 too, but some systems ignore them.) `mkdir`'s mode is reduced by the
 * umask, and a folder left by an earlier run may have been loosened: hence the chmod.
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { mode: 0o700 }).catch((error: unknown) => {
    if (errorCode(error) !== 'EEXIST') throw error;
  });
  const stats = await lstat(dir);
  if (!stats.isDirectory()) {
    throw new McpxError(`${dir} is not a folder; mcpx keeps its control socket there.`, {
      hint: `remove ${dir} and start \`mcpx dev\` again`,
    });
  }
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid) {
    throw new McpxError(`${dir} belongs to another user, so mcpx cannot keep it private.`, {
      hint: `remove ${dir} (as its owner) and start \`mcpx dev\` again`,
    });
  }
  if ((stats.mode & 0o777) !== 0o700) await chmod(dir, 0o700);
}

/**
 * A fresh private folder under the system's temporary folder, for a socket whose workspace path is
 * too long: mkdtemp creates it with mode 0700 and a name nobody could have prepared in advance.
 */
export async function makeTempSocketDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), TEMP_PREFIX));
}

/** The socket's path in one of mcpx's socket folders. */
export function socketPathIn(dir: string): string {
  return join(dir, SOCKET_NAME);
}

/**
 * Removes a dead server's socket at `path`, and its folder when that is one of our temporary
 * folders. Only the places mcpx itself uses are touched, and a folder only while empty:
 * control.json could point anywhere, and clean-up must never delete what mcpx did not make.
 */
export async function removeStaleSocket(location: ControlLocation, path: string): Promise<void> {
  const own =
    path === location.socket || (basename(path) === SOCKET_NAME && isTempSocketDir(dirname(path)));
  if (!own) return;
  const stats = await lstat(path).catch(() => undefined);
  if (stats === undefined) return;
  if (!stats.isSocket()) {
    throw new McpxError(`${path} is in the way of the control socket of mcpx dev.`, {
      hint: `remove ${path} and start \`mcpx dev\` again`,
    });
  }
  await unlink(path).catch(() => {});
  await removeTempSocketDir(dirname(path));
}

function isTempSocketDir(dir: string): boolean {
  return dirname(dir) === tmpdir() && basename(dir).startsWith(TEMP_PREFIX);
}

/** Removes `dir` if it is an empty temporary socket folder of mcpx; anything else stays. */
export async function removeTempSocketDir(dir: string): Promise<void> {
  if (isTempSocketDir(dir)) await rmdir(dir).catch(() => {});
}

/**
 * What answers at a socket path: `live` (something accepts connections), `stale` (a socket file
 * with nobody behind it: its server died without cleaning up) or `absent`.
 */
export async function probeSocket(
  path: string,
  timeoutMs = 1000,
): Promise<'live' | 'stale' | 'absent'> {
  try {
    const socket = await connectSocket(path, timeoutMs);
    socket.destroy();
    return 'live';
  } catch (error) {
    switch (errorCode(error)) {
      case 'ENOENT':
      case 'ENOTDIR':
        return 'absent';
      case 'ECONNREFUSED':
        // Also what connecting to a regular file gives: callers check before unlinking.
        return 'stale';
      case 'ETIMEDOUT':
        // The kernel completes a Unix connect while the backlog has room, even when the server is
        // busy: a timeout means a full backlog, i.e. a server that is alive.
        return 'live';
      default:
        throw error;
    }
  }
}

/** Connects to a Unix socket; rejects with the system error (its `code`) or an ETIMEDOUT one. */
export function connectSocket(path: string, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ path });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error(`connect ETIMEDOUT ${path}`), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    });
  });
}

/** The `code` of a system error (`ENOENT`, `ECONNREFUSED`...), if it has one. */
export function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error
    ? String((error as { code: unknown }).code)
    : undefined;
}
