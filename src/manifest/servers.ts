import { resolve } from 'node:path';
import type { ResolvedRole } from './roles.js';
import {
  DEFAULT_HEALTH,
  DEFAULT_HTTP_PATH,
  DEFAULT_SSE_PATH,
  type Isolation,
  type Manifest,
  type ServerEntry,
  type Transport,
  normaliseTransport,
  replicaCount,
} from './schema.js';

/** A server's whole start (spawn, initialize, list) in `mcpx dev` and `mcpx smoke`, by default. */
export const DEFAULT_START_TIMEOUT = 30_000;
/** What `mcpx smoke` gives a server to exit after stdin closes and SIGTERM, by default. */
export const DEFAULT_STOP_TIMEOUT = 5000;

interface CommonConfig {
  name: string;
  /** The entry as written: what is passed on as it is (env, headers, role name, smoke cases). */
  entry: ServerEntry;
  /** The definition of the role the entry names. */
  role: ResolvedRole | undefined;
  /** `streamableHttp` is `http`; a `url` without a type is `http`, with `detect` set. */
  transport: Transport;
  disabled: boolean;
  /** Instances `mcpx dev` runs. */
  replicas: number;
  health: { interval: number; timeout: number; failures: number };
  /** Milliseconds from spawn to ready in `mcpx dev`. */
  startTimeout: number;
  /** The same bounds in `mcpx smoke`, whose own settings win. */
  smoke: { startTimeout: number; stopTimeout: number };
  /** What the gateway puts before its tool and prompt names, as `<prefix>__<name>`. */
  prefix: string;
  /** Whether gateway sessions share its replicas, or each gets a dedicated instance. */
  isolation: Isolation;
}

/** A server mcpx starts, as a child process. */
export interface LocalServerConfig extends CommonConfig {
  remote: false;
  command: string;
  args: string[];
  /** The working directory, absolute. */
  cwd: string;
  /** What `mcpx dev` watches to reload it: its folder (or the root) with the globs; none when the entry names neither. */
  watch: { root: string; globs: string[] | undefined } | undefined;
  /** For an http or sse server: the fixed port (undefined: a free one each start) and the endpoint path. */
  http: { port: number | undefined; path: string } | undefined;
}

/** A server that runs elsewhere, reached at `url`: no process, one replica. */
export interface RemoteServerConfig extends CommonConfig {
  remote: true;
  url: string;
  /** Headers as written; `${NAME}` expands when a connection is made. */
  headers: Record<string, string>;
  /**
   * No transport written: Streamable HTTP is tried first and, when it answers 400, 404 or 405,
   * the legacy HTTP+SSE transport (the spec's backwards-compatibility rule).
   */
  detect: boolean;
}

/** One manifest entry with every default applied and every path resolved, once, at load. */
export type ServerConfig = LocalServerConfig | RemoteServerConfig;

/**
 * Every server of a manifest, in its order, normalised: what `mcpx dev`, `smoke`, `list`,
 * `logs` and `status` read instead of deriving defaults from the raw entry each.
 */
export function serverConfigs(
  root: string,
  manifest: Manifest,
  roles: ReadonlyMap<string, ResolvedRole>,
): Map<string, ServerConfig> {
  return new Map(
    Object.entries(manifest.mcpServers).map(([name, entry]) => [
      name,
      serverConfig(root, name, entry, roles),
    ]),
  );
}

export function serverConfig(
  root: string,
  name: string,
  entry: ServerEntry,
  roles: ReadonlyMap<string, ResolvedRole>,
): ServerConfig {
  const written = entry.transport ?? entry.type;
  const transport =
    written === undefined
      ? entry.url === undefined
        ? 'stdio'
        : 'http'
      : normaliseTransport(written);
  const startTimeout = entry.startTimeout ?? DEFAULT_START_TIMEOUT;
  const common: CommonConfig = {
    name,
    entry,
    role: entry.role === undefined ? undefined : roles.get(entry.role),
    transport,
    disabled: entry.disabled ?? false,
    replicas: replicaCount(entry.replicas),
    health: { ...DEFAULT_HEALTH, ...entry.health },
    startTimeout,
    smoke: {
      startTimeout: entry.smoke?.startTimeout ?? startTimeout,
      stopTimeout: entry.smoke?.stopTimeout ?? DEFAULT_STOP_TIMEOUT,
    },
    prefix: entry.gateway?.prefix ?? name,
    isolation: entry.isolation ?? 'shared',
  };
  if (entry.url !== undefined) {
    return {
      ...common,
      remote: true,
      url: entry.url,
      headers: entry.headers ?? {},
      detect: written === undefined,
    };
  }
  const cwd = resolve(root, entry.cwd ?? '.');
  return {
    ...common,
    remote: false,
    command: entry.command ?? '',
    args: entry.args ?? [],
    cwd,
    // A server without its own folder or globs would watch the whole workspace: it is not watched.
    watch:
      entry.cwd === undefined && entry.watch === undefined
        ? undefined
        : { root: cwd, globs: entry.watch },
    http:
      transport === 'stdio'
        ? undefined
        : {
            port: entry.port,
            path: entry.path ?? (transport === 'sse' ? DEFAULT_SSE_PATH : DEFAULT_HTTP_PATH),
          },
  };
}
