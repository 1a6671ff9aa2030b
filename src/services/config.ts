import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { stringify } from 'smol-toml';
import { closest } from '../closest.js';
import { readConfigText, readEntries, writeEntries } from '../clients/config-file.js';
import {
  CLIENTS,
  CLIENT_IDS,
  type ClientId,
  type ClientSpec,
  type Entry,
  type PathContext,
  type Scope,
  isClientId,
  scopesOf,
} from '../clients/table.js';
import {
  type NameRoute,
  prefixProblems,
  runningTools,
  toolNameProblems,
} from '../clients/tool-names.js';
import { McpxError, isMcpxError } from '../errors.js';
import { gatewayTokenFile } from '../gateway/token.js';
import { isLoopbackHost } from '../manifest/gateway.js';
import { type Workspace, findWorkspaceRoot, loadWorkspace } from '../manifest/load.js';

/** The variable that client entries read the gateway's token from. */
export const TOKEN_ENV = 'MCPX_GATEWAY_TOKEN';

/** How a client starts mcpx (for `mcpx connect`): absolute, since clients have their own cwd and PATH. */
export interface McpxLaunch {
  /** The Node that runs mcpx now. */
  node: string;
  /** mcpx's bin/run.js. */
  bin: string;
}

export interface ConfigOptions {
  dir: string;
  client: string;
  via: 'gateway' | 'direct';
  /** Default: the client's project file when it has one, else its user file. */
  scope?: Scope | undefined;
  write: boolean;
  /** The entry's name (--via gateway). */
  name: string;
  mcpx: McpxLaunch;
  /** Where home and the OS's folders are; the running process's by default. */
  paths?: Omit<PathContext, 'root'> | undefined;
}

export interface ConfigResult {
  client: ClientId;
  title: string;
  scope: Scope;
  via: 'gateway' | 'direct';
  /** The client's file for that scope, absolute. */
  file: string;
  format: 'json' | 'toml';
  /** The entries by name, as they go into the file. */
  entries: Record<string, Entry>;
  /** The entries as the file writes them, to paste by hand. */
  snippet: string;
  written: boolean;
  /** With --write: whether the file changed (false: it held these entries already). */
  changed: boolean;
  backup?: string | undefined;
  names: {
    /** Whether the running servers' tool names were checked (they exist only while servers run). */
    checked: boolean;
    tools: number;
    problems: string[];
    /** Why they were not checked, and how to check them. */
    unchecked?: string | undefined;
  };
  warnings: string[];
  notes: string[];
}

export interface ClientFiles {
  client: ClientId;
  title: string;
  files: { scope: Scope; file: string; exists: boolean }[];
}

function pathContext(root: string, paths: ConfigOptions['paths']): PathContext {
  return { home: homedir(), platform: process.platform, env: process.env, ...paths, root };
}

/** Every client mcpx configures, with its files on this machine and whether each exists. */
export async function listClientFiles(
  dir: string,
  paths?: ConfigOptions['paths'],
): Promise<ClientFiles[]> {
  // Project files are the workspace's; outside one they are named relative to `dir`.
  const root = await findWorkspaceRoot(dir).catch(() => resolve(dir));
  const ctx = pathContext(root, paths);
  return CLIENT_IDS.map((id) => {
    const client = CLIENTS[id];
    return {
      client: id,
      title: client.title,
      files: scopesOf(client).map((scope) => {
        const file = (client.files[scope] as (c: PathContext) => string)(ctx);
        return { scope, file, exists: existsSync(file) };
      }),
    };
  });
}

/**
 * The entry (or entries) that make `client` use the workspace's cluster, and with `write` the
 * client's file with them upserted. Tool names are checked against the client's rules when a
 * cluster runs; with `write`, a name that does not fit refuses the write.
 */
export async function clientConfig(options: ConfigOptions): Promise<ConfigResult> {
  const client = clientSpec(options.client);
  const workspace = await loadWorkspace(options.dir);
  const scope = scopeOf(client, options.scope);
  const file = (client.files[scope] as (c: PathContext) => string)(
    pathContext(workspace.root, options.paths),
  );
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(options.name)) {
    throw new McpxError(`--name "${options.name}" is not a name clients accept.`, {
      hint: 'use letters, digits, "-" and "_" (at most 64), e.g. --name mcpx',
    });
  }
  const warnings: string[] = [];
  const notes: string[] = [];
  const entries =
    options.via === 'gateway'
      ? gatewayEntries(workspace, client, options, notes)
      : directEntries(workspace, client, options.mcpx, warnings);
  if (Object.keys(entries).length === 0) {
    throw new McpxError(
      `No server of ${workspace.file} can be given to ${client.title} directly.`,
      {
        hint: `\`mcpx config ${client.id}\` (through the gateway) reaches them all`,
      },
    );
  }
  const route: NameRoute =
    options.via === 'gateway'
      ? { via: 'gateway', clientPrefix: client.toolPrefix(options.name) }
      : { via: 'direct', clientPrefix: (server) => client.toolPrefix(server) };
  const names = await checkNames(workspace, route, warnings);
  if (names.problems.length > 0) {
    const list = names.problems.slice(0, 10).map((p) => `  ${p}`);
    if (names.problems.length > 10) list.push(`  ... and ${names.problems.length - 10} more`);
    const message = `${names.problems.length === 1 ? 'A tool name does' : `${names.problems.length} tool names do`} not fit ${client.title}'s rules:\n${list.join('\n')}`;
    if (options.write) {
      throw new McpxError(`${message}\nmcpx did not write ${file}.`, {
        hint:
          options.via === 'gateway'
            ? 'a shorter --name, a shorter "gateway": {"prefix"} for that server in mcpx.json, or a shorter tool name'
            : 'a shorter server or tool name, or --via gateway with a short --name',
      });
    }
    warnings.push(message);
  }
  const note = client.notes?.[scope];
  if (note !== undefined) notes.push(note);
  const snippet = snippetOf(client, entries);
  const base = {
    client: client.id,
    title: client.title,
    scope,
    via: options.via,
    file,
    format: client.format,
    entries,
    snippet,
    names,
    warnings,
    notes,
  };
  if (!options.write) {
    // A malformed file is worth saying before the user pastes into it; the entry is printed anyway.
    const text = await readConfigText(file);
    try {
      if (text !== undefined) readEntries(text, file, client);
    } catch (error) {
      if (!isMcpxError(error)) throw error;
      warnings.push(error.message.replace(' mcpx left the file unchanged.', ''));
    }
    return { ...base, written: false, changed: false };
  }
  const outcome = await writeEntries(file, client, entries);
  return {
    ...base,
    file: outcome.file,
    written: true,
    changed: outcome.changed,
    backup: outcome.backup,
  };
}

/** Other names people give the clients. */
const ALIASES: Record<string, ClientId> = {
  'gemini-cli': 'gemini',
  'codex-cli': 'codex',
  'vs-code': 'vscode',
  code: 'vscode',
  claudecode: 'claude-code',
};

function clientSpec(typed: string): ClientSpec {
  const id = ALIASES[typed.toLowerCase()] ?? typed.toLowerCase();
  if (isClientId(id)) return CLIENTS[id];
  const near = closest(id, [...CLIENT_IDS]);
  const starting = CLIENT_IDS.filter((c) => c.startsWith(id));
  const guess = near !== undefined ? [near] : starting;
  throw new McpxError(`mcpx does not know the client "${typed}".`, {
    hint: `${guess.length === 0 ? '' : `did you mean ${guess.map((g) => `"${g}"`).join(' or ')}? `}clients: ${CLIENT_IDS.join(', ')} (\`mcpx config --list\` shows their files)`,
  });
}

function scopeOf(client: ClientSpec, wanted: Scope | undefined): Scope {
  const scopes = scopesOf(client);
  const scope = wanted ?? scopes[0];
  if (scope === undefined || !scopes.includes(scope)) {
    throw new McpxError(
      `${client.title} has no ${wanted ?? ''} scope file: it reads only ${scopes.join(' and ')} files.`,
      {
        hint: `--scope ${scopes[0] ?? 'user'}`,
      },
    );
  }
  return scope;
}

/** The gateway's URL as a client on this machine reaches it (a wildcard bind is reached on loopback). */
function gatewayUrl(workspace: Workspace): string {
  const { host, port } = workspace.gateway;
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}/mcp`;
}

/**
 * One entry, `name`: the gateway's fixed URL (from mcpx.json, so it survives restarts of mcpx
 * dev) with the token as a reference to MCPX_GATEWAY_TOKEN in the client's own syntax, never the
 * token itself; for clients without HTTP, `mcpx connect`, which reads the token file itself.
 */
function gatewayEntries(
  workspace: Workspace,
  client: ClientSpec,
  options: ConfigOptions,
  notes: string[],
): Record<string, Entry> {
  const { auth } = workspace.gateway;
  if (client.http === undefined) {
    const { entry } = client.stdio({
      command: options.mcpx.node,
      args: [options.mcpx.bin, 'connect', '--dir', workspace.root],
      env: {},
    });
    notes.push(
      `${client.title} starts \`mcpx connect\`, which passes everything to the gateway of \`mcpx dev\` (with the token of ${gatewayTokenFile(workspace.root)}): start \`mcpx dev --dir ${workspace.root}\` first.`,
    );
    return { [options.name]: entry };
  }
  const { entry } = client.http({
    url: gatewayUrl(workspace),
    headers: auth ? { Authorization: `Bearer \${${TOKEN_ENV}}` } : {},
  });
  if (auth) {
    const tokenFile = gatewayTokenFile(workspace.root);
    notes.push(
      `The entry reads the gateway's token from ${TOKEN_ENV}: set it where ${client.title} starts, e.g. export ${TOKEN_ENV}="$(cat ${tokenFile})"${existsSync(tokenFile) ? '' : ' (mcpx dev creates that file on its first run)'}.`,
    );
  }
  if (!isLoopbackHost(workspace.gateway.host)) {
    notes.push(
      `The gateway binds ${workspace.gateway.host}; the entry reaches it at ${gatewayUrl(workspace)}.`,
    );
  }
  return { [options.name]: entry };
}

/** One entry per enabled server, as the client would start or reach it without mcpx dev. */
function directEntries(
  workspace: Workspace,
  client: ClientSpec,
  mcpx: McpxLaunch,
  warnings: string[],
): Record<string, Entry> {
  warnings.push(
    `--via direct: ${client.title} starts or reaches each server itself, so live reload, restarts, health checks and the one aggregated endpoint of mcpx dev are lost; \`mcpx config ${client.id}\` keeps them.`,
  );
  const entries: Record<string, Entry> = {};
  for (const server of workspace.servers.values()) {
    if (server.disabled) continue;
    if (server.remote || server.http !== undefined) {
      if (client.http === undefined) {
        warnings.push(
          `${server.name} left out: ${client.title} cannot reach an HTTP server from its file.`,
        );
        continue;
      }
      if (!server.remote && server.http?.port === undefined) {
        warnings.push(
          `${server.name} left out: it is an HTTP server that mcpx starts on a free port each time; give it a fixed "port" in mcpx.json, or use the gateway.`,
        );
        continue;
      }
      const url = server.remote
        ? server.url
        : `http://127.0.0.1:${server.http?.port ?? 0}${server.http?.path ?? '/mcp'}`;
      if (!server.remote) {
        warnings.push(
          `${server.name} is reached at ${url}: it must be running there (${client.title} does not start HTTP servers).`,
        );
      }
      const built = client.http({ url, headers: server.remote ? server.headers : {} });
      leftOut(client, server.name, 'headers', built.leftOut, warnings);
      entries[server.name] = built.entry;
      continue;
    }
    const args = client.cwd ? server.args : absoluteArgs(server.args, server.cwd);
    if (!client.cwd && args.some((a, i) => a !== server.args[i])) {
      warnings.push(
        `${server.name}: ${client.title} has no working-folder setting, so the arguments that name files in ${server.cwd} were made absolute; a server that reads other files relative to its folder needs the gateway.`,
      );
    }
    const env: Record<string, string> = { ...server.entry.env };
    for (const name of server.role?.env ?? []) env[name] ??= `\${${name}}`;
    const built = client.stdio({
      // `node` is the Node that runs mcpx: scaffolded TypeScript servers need one that strips types.
      command: server.command === 'node' ? mcpx.node : server.command,
      args,
      cwd: server.cwd,
      env,
    });
    leftOut(client, server.name, 'environment variables', built.leftOut, warnings);
    entries[server.name] = built.entry;
  }
  return entries;
}

function leftOut(
  client: ClientSpec,
  server: string,
  what: string,
  names: string[],
  warnings: string[],
): void {
  if (names.length === 0) return;
  warnings.push(
    `${server}: ${client.title} cannot refer to environment variables in its file, so these ${what} were left out: ${names.join(', ')}; set them where ${client.title} starts, or use the gateway.`,
  );
}

/** Relative arguments that name a file or folder in `cwd`, made absolute. */
function absoluteArgs(args: readonly string[], cwd: string): string[] {
  return args.map((arg) =>
    !arg.startsWith('-') && !isAbsolute(arg) && existsSync(join(cwd, arg)) ? join(cwd, arg) : arg,
  );
}

async function checkNames(
  workspace: Workspace,
  route: NameRoute,
  warnings: string[],
): Promise<ConfigResult['names']> {
  const running = await runningTools(workspace.root);
  if (running.ok && route.via === 'gateway' && running.url !== gatewayUrl(workspace)) {
    warnings.push(
      `mcpx dev runs its gateway at ${running.url} now (--gateway-port or MCPX_GATEWAY_PORT), but the entry points at ${gatewayUrl(workspace)}, where mcpx.json puts it: set "gateway": {"port"} in mcpx.json to move it for good.`,
    );
  }
  if (!running.ok) {
    return {
      checked: false,
      tools: 0,
      problems: prefixProblems(workspace, route),
      unchecked: `Tool names were not checked: ${running.why}. Tools exist only while their servers run: start \`mcpx dev --dir ${workspace.root}\` and run this again to check them.`,
    };
  }
  const tools = [...running.byServer.values()].reduce((n, names) => n + names.length, 0);
  return { checked: true, tools, problems: toolNameProblems(workspace, running.byServer, route) };
}

function snippetOf(client: ClientSpec, entries: Record<string, Entry>): string {
  const document = { [client.rootKey]: entries };
  return client.format === 'toml' ? stringify(document).trim() : JSON.stringify(document, null, 2);
}
