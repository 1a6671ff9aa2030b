import { McpxError } from '../errors.js';
import { CLUSTER, GATEWAY, type LogEvent, type LogLevel } from '../logs/event.js';
import { logsDir } from '../logs/files.js';
import { type LogFilter, followLogs, hasLogs, readLogs } from '../logs/read.js';
import { findWorkspaceRoot } from '../manifest/root.js';
import { readServerNames } from '../manifest/server-names.js';

export interface LogsOptions {
  /** Workspace folder, or any folder inside it. */
  dir: string;
  /** Only these servers (`mcpx` for the cluster's own events). */
  servers?: readonly string[] | undefined;
  /** Minimum level. */
  level?: LogLevel | undefined;
  /** Only events at or after this time. */
  since?: Date | undefined;
  /** A regular expression the message must match. */
  grep?: RegExp | undefined;
  /** How many of the newest matching events to show first. */
  last: number;
}

export interface LogsResult {
  root: string;
  /** The folder the events come from. */
  logDir: string;
  /** The manifest's server names and `mcpx`, for aligning the server column before any event. */
  names: string[];
  /** Replicas per server in the manifest: labels are `name#i` only where there are several. */
  replicas: ReadonlyMap<string, number>;
  events: LogEvent[];
  /** Warnings about the request (a --server name the manifest does not know). */
  notices: string[];
}

export interface FollowResult extends Omit<LogsResult, 'events'> {
  /** The tail, then new events as they are written; ends when the signal aborts. */
  events: AsyncIterable<LogEvent>;
}

/** The last `options.last` matching events of the workspace. */
export async function readLogEvents(options: LogsOptions): Promise<LogsResult> {
  const { root, logDir, names, replicas, filter, unknown } = await prepare(options);
  const stored = await hasLogs(logDir);
  for (const name of unknown) {
    // Filtering by a name that is nowhere would print nothing and leave the user guessing.
    const events = stored
      ? await readLogs({ dir: logDir, filter: { servers: [name] }, last: 1 })
      : [];
    if (events.length === 0) throw unknownServer(name, names);
  }
  if (!stored) {
    throw new McpxError(`No logs in ${logDir} yet.`, {
      hint: 'start the cluster with `mcpx dev`, which writes them, or wait for them with `mcpx logs --follow`',
    });
  }
  const events = await readLogs({ dir: logDir, filter, last: options.last });
  return { root, logDir, names, replicas, events, notices: [] };
}

/**
 * The last `options.last` matching events, then new ones as `mcpx dev` writes them, until `signal`
 * aborts. Options are checked before this resolves; the folder may not exist yet.
 */
export async function followLogEvents(
  options: LogsOptions & { signal: AbortSignal; pollMs?: number },
): Promise<FollowResult> {
  const { root, logDir, names, replicas, filter, unknown } = await prepare(options);
  const events = followLogs({
    dir: logDir,
    filter,
    last: options.last,
    signal: options.signal,
    ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
  });
  // Following waits for events that may yet come, so an unknown name is a warning, not an error.
  const notices = unknown.map(
    (name) =>
      `no server named ${JSON.stringify(name)} in the manifest; waiting for its events anyway (known: ${names.join(', ')})`,
  );
  return { root, logDir, names, replicas, events, notices };
}

function unknownServer(name: string, names: readonly string[]): McpxError {
  return new McpxError(
    `No server named ${JSON.stringify(name)} in the manifest, and no stored events from one.`,
    { hint: `use names from: ${names.join(', ')}` },
  );
}

async function prepare(options: LogsOptions): Promise<{
  root: string;
  logDir: string;
  names: string[];
  replicas: ReadonlyMap<string, number>;
  filter: LogFilter;
  unknown: string[];
}> {
  const filter: LogFilter = {
    servers: options.servers,
    level: options.level,
    since: options.since,
    grep: options.grep,
  };
  const root = await findWorkspaceRoot(options.dir);
  // Names only align the output. A manifest that cannot be read leaves the column to widen as
  // servers appear.
  const read = await readServerNames(root);
  const servers = [...(read ?? [])];
  const known = servers.map(([name]) => name);
  // A name the manifest does not have: mistyped, or a server removed since (its events remain).
  const unknown =
    read === undefined
      ? []
      : (options.servers ?? []).filter(
          (name) => name !== CLUSTER && name !== GATEWAY && !known.includes(name),
        );
  return {
    root,
    logDir: logsDir(root),
    names: [CLUSTER, ...known],
    replicas: new Map(servers),
    filter,
    unknown,
  };
}
