import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { closest } from '../closest.js';
import { ExitCode, McpxError } from '../errors.js';
import {
  type InspectorCommand,
  type InspectorProcess,
  deepLink,
  inspectorCommand,
  looksOffline,
  parseWebLine,
  startInspector,
} from '../exec/inspector.js';
import { endpointFor, isNotRunning, runningGateway } from '../gateway/locate.js';
import { expandEnv, serverEnvironment } from '../manifest/env.js';
import { findWorkspaceRoot, loadWorkspace } from '../manifest/load.js';
import { readLines } from '../server/lines.js';
import { freePort } from '../supervisor/ports.js';

export interface InspectOptions {
  dir: string;
  /** One server, or undefined for the whole cluster (the gateway's aggregate). */
  server: string | undefined;
  /** With `cli`: the Inspector's CLI mode with these arguments after the target. */
  cli: readonly string[] | undefined;
  /** Lines for the user: the deep link (stdout) and what the Inspector says (stderr). */
  out: (line: string) => void;
  err: (line: string) => void;
  /** Aborting stops the Inspector (Ctrl-C, SIGTERM). */
  signal: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

/**
 * One server as the Inspector's `--config` file holds it (its mcp.json format). mcpx hands the
 * target over in a file, never in arguments: a token or a server's env in argv is readable by
 * every local user through `ps`.
 */
export type InspectorEntry =
  | { type: 'streamable-http' | 'sse'; url: string; headers?: Record<string, string> }
  | {
      type: 'stdio';
      command: string;
      args: string[];
      env: Record<string, string>;
      cwd: string;
    };

/** What the Inspector is pointed at. */
export interface InspectTarget {
  /** Said to the user: "the gateway's /mcp", "server docs (stdio, started by the Inspector)". */
  what: string;
  /** The entry's name in the config file. */
  id: string;
  entry: InspectorEntry;
  /** For the deep link: an URL the web UI connects to. */
  url: { url: URL; transport: 'http' | 'sse' } | undefined;
}

/**
 * The web UI's deep link (`?serverUrl=…&autoConnect=…`) connects the entry of this name when its
 * URL and type match the link's; under any other name it adds a second entry of its own, without
 * the headers, which the gateway refuses (401), and a `--config` session is read-only, so it
 * cannot even add it (seen with Inspector 2.12.0 in headless Chromium).
 */
export const DEEP_LINK_ID = 'deep-link';

export interface InspectResult {
  target: string;
  /** The web UI's deep link (web mode). */
  link?: string;
  /** The Inspector's exit code (CLI mode), passed on by the command. */
  exitCode: number;
}

/**
 * `mcpx inspect`: the MCP Inspector against the running gateway (`/mcp`, or `/servers/<name>/mcp`)
 * with its token, or, with no `mcpx dev` running, against the server itself.
 */
export async function inspect(options: InspectOptions): Promise<InspectResult> {
  const env = options.env ?? process.env;
  const launch = inspectorCommand(env);
  const root = await findWorkspaceRoot(options.dir);
  const target = await inspectTarget(root, options.server, env);
  if (options.cli !== undefined) return runCli(launch, target, options);
  return runWeb(launch, target, options);
}

/** Where the Inspector should connect, and how. */
export async function inspectTarget(
  root: string,
  server: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<InspectTarget> {
  try {
    const gateway = await runningGateway(root);
    if (server !== undefined && !gateway.servers.includes(server))
      throw unknownServer(root, server, gateway.servers, 'the cluster of mcpx dev');
    const url = endpointFor(gateway.url, server === undefined ? [] : [server]);
    return {
      what:
        server === undefined
          ? `the gateway ${url.href}`
          : `server ${server} through the gateway ${url.href}`,
      id: DEEP_LINK_ID,
      entry: {
        type: 'streamable-http',
        url: url.href,
        ...(gateway.token === undefined
          ? {}
          : { headers: { Authorization: `Bearer ${gateway.token}` } }),
      },
      url: { url, transport: 'http' },
    };
  } catch (error) {
    if (!isNotRunning(error)) throw error;
  }
  return directTarget(root, server, env);
}

/** A server of the manifest, with no cluster running: the Inspector starts or reaches it itself. */
async function directTarget(
  root: string,
  server: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<InspectTarget> {
  const workspace = await loadWorkspace(root);
  const names = [...workspace.servers.keys()];
  if (server === undefined) {
    if (names.length !== 1) {
      throw new McpxError(
        `mcpx dev is not running in ${root}, so there is no gateway to inspect.`,
        {
          hint: `start \`mcpx dev\` first, or inspect one server directly: \`mcpx inspect <server>\` (${names.join(', ')})`,
          exitCode: ExitCode.unreachable,
        },
      );
    }
    server = names[0]!;
  }
  const config = workspace.servers.get(server);
  if (config === undefined) throw unknownServer(root, server, names, workspace.file);
  if (config.remote) {
    const url = new URL(config.url);
    const transport = config.transport === 'sse' ? 'sse' : 'http';
    return {
      what: `server ${server} at ${url.href} (mcpx dev is not running)`,
      id: DEEP_LINK_ID,
      entry: {
        type: transport === 'sse' ? 'sse' : 'streamable-http',
        url: url.href,
        headers: Object.fromEntries(
          Object.entries(config.headers).map(([name, value]) => [name, expandEnv(value, env)]),
        ),
      },
      url: { url, transport },
    };
  }
  if (config.transport !== 'stdio') {
    throw new McpxError(
      `Server ${server} is an ${config.transport} server that mcpx starts, and mcpx dev is not running in ${root}.`,
      {
        hint: `start \`mcpx dev\`, then run \`mcpx inspect ${server}\` again: it reaches the server through the gateway`,
        exitCode: ExitCode.unreachable,
      },
    );
  }
  const serverEnv = serverEnvironment(config.entry, config.role, env);
  return {
    what: `server ${server} (stdio, started by the Inspector in ${config.cwd}; mcpx dev is not running)`,
    id: server,
    entry: {
      type: 'stdio',
      command: config.command,
      args: [...config.args],
      env: serverEnv,
      cwd: config.cwd,
    },
    url: undefined,
  };
}

/**
 * Writes the target into a config file of its own (a 0700 folder, a 0600 file); `remove` deletes
 * both once the Inspector has stopped.
 */
async function configFile(
  target: InspectTarget,
): Promise<{ file: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'mcpx-inspect-'));
  const file = join(dir, 'mcp.json');
  await writeFile(
    file,
    `${JSON.stringify({ mcpServers: { [target.id]: target.entry } }, null, 2)}\n`,
    {
      mode: 0o600,
    },
  );
  return { file, remove: () => rm(dir, { recursive: true, force: true }) };
}

function unknownServer(
  root: string,
  server: string,
  names: readonly string[],
  where: string,
): McpxError {
  const near = closest(server, names);
  return new McpxError(`There is no server "${server}" in ${where} (${root}).`, {
    hint: `${near === undefined ? '' : `did you mean "${near}"? `}its servers: ${names.join(', ')}`,
  });
}

/** Lines of the Inspector's output, as they come, and the last few for an error. */
function followOutput(
  inspector: InspectorProcess,
  onStdout: (line: string) => void,
  onStderr: (line: string) => void,
): string[] {
  const tail: string[] = [];
  const follow = (stream: Readable | null, onLine: (line: string) => void): void => {
    if (stream === null) return;
    void readLines(stream, (line) => {
      if (line.trim() === '') return;
      tail.push(line);
      if (tail.length > 20) tail.shift();
      onLine(line);
    }).catch(() => undefined);
  };
  follow(inspector.child.stdout, onStdout);
  follow(inspector.child.stderr, onStderr);
  return tail;
}

function failedToStart(launch: InspectorCommand, code: number, tail: readonly string[]): McpxError {
  const output = tail.join('\n');
  if (looksOffline(output)) {
    return new McpxError(
      `${launch.source} could not be downloaded: npm cannot reach its registry (offline?).`,
      {
        hint: 'connect to the network and try again (npx keeps it in its cache afterwards), or install @modelcontextprotocol/inspector@2 and set MCPX_INSPECTOR_BIN to its mcp-inspector bin',
        exitCode: ExitCode.unreachable,
      },
    );
  }
  return new McpxError(
    `The MCP Inspector (${launch.source}) exited with code ${code} before it was ready${output === '' ? '.' : `:\n${output}`}`,
    { hint: 'see its output above', exitCode: ExitCode.unreachable },
  );
}

/** The web UI: prints its deep link, runs until aborted, then stops the Inspector's process group. */
async function runWeb(
  launch: InspectorCommand,
  target: InspectTarget,
  options: InspectOptions,
): Promise<InspectResult> {
  const port = await freePort();
  const config = await configFile(target);
  const inspector = startInspector(
    {
      ...launch,
      env: {
        ...launch.env,
        CLIENT_PORT: String(port),
        // A sandbox port of its own, so that two Inspectors do not fight over the default 6275.
        MCP_SANDBOX_PORT: String(await freePort()),
        MCP_AUTO_OPEN_ENABLED: 'false',
        // Without an OS keychain (a server, a container) it warns at every start and falls back to
        // memory anyway; the entry's token comes from mcpx, so nothing needs keeping.
        MCP_INSPECTOR_SECRET_STORE: 'memory',
      },
    },
    ['--web', '--config', config.file],
  );
  let link: URL | undefined;
  let tail: string[] = [];
  const ready = new Promise<URL>((resolve) => {
    const onLine = (line: string): void => {
      const web = link === undefined ? parseWebLine(line) : undefined;
      if (web === undefined) {
        // Its banner announces the token-bearing URL and repeats the token: the deep link replaces them.
        if (!/MCP_INSPECTOR_API_TOKEN=|Auth token:|is up and running at:$/.test(line))
          options.err(line);
        return;
      }
      link = deepLink(web, target.url);
      resolve(link);
    };
    tail = followOutput(inspector, onLine, onLine);
  });
  const stopping = new Promise<'stop'>((resolve) => {
    if (options.signal.aborted) resolve('stop');
    options.signal.addEventListener('abort', () => resolve('stop'), { once: true });
  });
  try {
    const first = await Promise.race([ready, inspector.exited, stopping]);
    if (typeof first === 'number') throw failedToStart(launch, first, tail);
    if (first === 'stop') return { target: target.what, exitCode: ExitCode.interrupted };
    options.out(`Inspecting ${target.what}`);
    options.out(`Open ${first.href}`);
    options.out('Ctrl-C stops the Inspector.');
    const end = await Promise.race([inspector.exited, stopping]);
    if (typeof end === 'number')
      throw new McpxError(`The MCP Inspector exited with code ${end}.`, {
        hint: 'see its output above',
        exitCode: ExitCode.unreachable,
      });
    return { target: target.what, link: first.href, exitCode: ExitCode.ok };
  } finally {
    await inspector.stop();
    await config.remove();
  }
}

/** The Inspector's CLI mode against the same target; its exit code is passed on. */
async function runCli(
  launch: InspectorCommand,
  target: InspectTarget,
  options: InspectOptions,
): Promise<InspectResult> {
  const config = await configFile(target);
  const inspector = startInspector(
    { ...launch, env: { ...launch.env, MCP_INSPECTOR_SECRET_STORE: 'memory' } },
    ['--cli', '--config', config.file, '--server', target.id, ...(options.cli ?? [])],
  );
  const tail = followOutput(inspector, options.out, options.err);
  const stop = (): void => void inspector.stop();
  options.signal.addEventListener('abort', stop, { once: true });
  try {
    const code = await inspector.exited;
    if (code !== 0 && looksOffline(tail.join('\n')) && launch.args[0] === '-y')
      throw failedToStart(launch, code, tail);
    return { target: target.what, exitCode: code };
  } finally {
    options.signal.removeEventListener('abort', stop);
    await inspector.stop();
    await config.remove();
  }
}
