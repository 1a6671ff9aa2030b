import { readFile, readdir, readlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { type Clock, sleep } from '../clock.js';
import { type ProcessInfo, listProcesses } from './process-tree.js';

/** A process that holds a listening socket. */
export interface PortHolder extends ProcessInfo {
  /** Its command line, cut at 200 characters, control characters replaced. */
  command: string;
}

/** Socket inodes listening on `port` (any address, IPv4 or IPv6); undefined without /proc. */
async function listeningInodes(port: number): Promise<Set<string> | undefined> {
  const tables = await Promise.all(
    ['/proc/net/tcp', '/proc/net/tcp6'].map((file) =>
      readFile(file, 'utf8').catch(() => undefined),
    ),
  );
  if (tables.every((table) => table === undefined)) return undefined;
  const inodes = new Set<string>();
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of tables) {
    for (const line of (table ?? '').split('\n').slice(1)) {
      // "sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ..."
      const fields = line.trim().split(/\s+/);
      // 0A is LISTEN.
      if (fields[1]?.endsWith(`:${hex}`) && fields[3] === '0A' && fields[9] !== undefined)
        inodes.add(fields[9]);
    }
  }
  return inodes;
}

async function holdsSocket(pid: number, inodes: Set<string>): Promise<boolean> {
  const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
  for (const fd of fds) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode !== undefined && inodes.has(inode)) return true;
  }
  return false;
}

async function commandOf(pid: number): Promise<string> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  const text = cmdline.split('\0').filter(Boolean).join(' ');
  // eslint-disable-next-line no-control-regex -- a command line is untrusted text bound for a terminal
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?').slice(0, 200);
}

/**
 * Who listens on `port`: undefined when nothing does or this system cannot tell (no /proc); an
 * empty list when something listens but no visible process holds it (another user's).
 */
export async function portHolders(
  port: number,
  candidates?: readonly ProcessInfo[],
): Promise<PortHolder[] | undefined> {
  const inodes = await listeningInodes(port);
  if (inodes === undefined || inodes.size === 0) return undefined;
  const holders: PortHolder[] = [];
  for (const p of candidates ?? (await listProcesses())) {
    if (await holdsSocket(p.pid, inodes)) holders.push({ ...p, command: await commandOf(p.pid) });
  }
  return holders;
}

/** True when process `pid` itself listens on `port`: the common case, without a scan of /proc. */
export async function listensItself(port: number, pid: number): Promise<boolean> {
  const inodes = await listeningInodes(port);
  return inodes !== undefined && inodes.size > 0 && (await holdsSocket(pid, inodes));
}

/** True when something accepts TCP connections on 127.0.0.1:port right now. */
export function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** "pid 1234 (node other.js)", or what can be said without one. */
function describeHolders(holders: readonly PortHolder[] | undefined): string {
  const first = holders?.[0];
  if (first === undefined)
    return 'another process (one mcpx cannot see: another user, or a container)';
  return `pid ${first.pid} (${first.command})`;
}

const FIX = 'stop that process, or give this server another "port" in mcpx.json';

/**
 * Undefined when `port` is free; else what is wrong, naming the holder. Checked before a server
 * with a fixed port is spawned: it would fail to bind, and mcpx would talk to the holder instead.
 */
export async function portTaken(port: number): Promise<string | undefined> {
  const holders = await portHolders(port);
  if (holders === undefined && !(await portAnswers(port))) return undefined;
  return `port ${port} is in use by ${describeHolders(holders)}; ${FIX}`;
}

/**
 * Undefined when a process of the server's tree (`members`) holds `port`, or when this system
 * cannot tell; else what is wrong. Checked once a server answered on its port: something else may
 * have taken the port between the check before the spawn and the server's bind.
 */
export async function portNotOwned(
  port: number,
  members: readonly ProcessInfo[],
): Promise<string | undefined> {
  const ours = await portHolders(port, members);
  // Undefined: /proc lists no listener (another network namespace, say): nothing to compare.
  if (ours === undefined || ours.length > 0) return undefined;
  return `port ${port} is held by ${describeHolders(await portHolders(port))}, not by this server, so mcpx would be talking to the wrong server; ${FIX}`;
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port. */
export async function waitForPort(port: number, signal: AbortSignal, clock: Clock): Promise<void> {
  for (;;) {
    if (await portAnswers(port)) return;
    // Refused connections cost microseconds; a short poll keeps this off a reload's critical path.
    await sleep(clock, 5, signal);
  }
}
