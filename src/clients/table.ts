/**
 * The MCP clients `mcpx config` writes for: where each keeps its servers, the shape of an entry,
 * how it refers to an environment variable, and what it puts before a tool's name. One table, so a
 * client's quirks are in one row (sources: /shared/GATEWAY-NOTES.md section 4, each client's docs).
 */
import { join } from 'node:path';

export const CLIENT_IDS = [
  'claude-code',
  'claude-desktop',
  'cursor',
  'vscode',
  'windsurf',
  'codex',
  'gemini',
] as const;
export type ClientId = (typeof CLIENT_IDS)[number];

export type Scope = 'project' | 'user';

/** What the file paths depend on; the real process's values by default, a throwaway HOME in tests. */
export interface PathContext {
  home: string;
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  /** The workspace root: where project-scope files go. */
  root: string;
}

/**
 * An HTTP entry's target. Header values are templates in mcpx's own syntax (`${NAME}` for an
 * environment variable, as in mcpx.json); each client writes them in its own.
 */
export interface HttpTarget {
  url: string;
  headers: Record<string, string>;
}

/** A stdio entry's command: absolute paths, since clients start servers in a folder of their own. */
export interface StdioTarget {
  command: string;
  args: string[];
  /** Written only for clients that take a working folder (see `cwd`). */
  cwd?: string | undefined;
  /** Values are templates in mcpx's syntax, like the headers of {@link HttpTarget}. */
  env: Record<string, string>;
}

export type Entry = Record<string, unknown>;

/** An entry, and the header or variable names the client had no way to refer to (left out). */
export interface BuiltEntry {
  entry: Entry;
  leftOut: string[];
}

export interface ClientSpec {
  id: ClientId;
  title: string;
  format: 'json' | 'toml';
  /** Whether the client reads its JSON file with comments and trailing commas (JSONC). */
  jsonc: boolean;
  /** The key (JSON) or table (TOML) that holds the entries by name. */
  rootKey: string;
  /** The file for each scope it has. */
  files: Partial<Record<Scope, (ctx: PathContext) => string>>;
  /** The entry for a Streamable HTTP server; undefined for clients that cannot speak HTTP from their file. */
  http: ((target: HttpTarget) => BuiltEntry) | undefined;
  stdio: (target: StdioTarget) => BuiltEntry;
  /** Whether its stdio entries take a working folder. */
  cwd: boolean;
  /** What the client puts before each tool name of the entry named `entry` ('' for none). */
  toolPrefix: (entry: string) => string;
  /** Said with the snippet, per scope: how the client picks the file up. */
  notes?: Partial<Record<Scope, string>>;
}

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}/g;

/**
 * Templates in the client's syntax (`ref` writes one variable reference); with no `ref`, only
 * values without references can be written, and the others' keys are left out.
 */
function render(
  templates: Record<string, string>,
  ref: ((name: string) => string) | undefined,
): { values: Record<string, string>; leftOut: string[] } {
  const values: Record<string, string> = {};
  const leftOut: string[] = [];
  for (const [key, template] of Object.entries(templates)) {
    if (!template.match(REFERENCE)) values[key] = template;
    else if (ref === undefined) leftOut.push(key);
    else values[key] = template.replace(REFERENCE, (_, name: string) => ref(name));
  }
  return { values, leftOut };
}

/** `{"command", "args", "env"}` with only the parts that have something. */
function stdioEntry(
  target: StdioTarget,
  ref: ((name: string) => string) | undefined,
  options: { extra?: Entry; cwd?: boolean } = {},
): BuiltEntry {
  const env = render(target.env, ref);
  return {
    entry: {
      ...options.extra,
      command: target.command,
      args: target.args,
      ...(options.cwd === true && target.cwd !== undefined ? { cwd: target.cwd } : {}),
      ...(Object.keys(env.values).length > 0 ? { env: env.values } : {}),
    },
    leftOut: env.leftOut,
  };
}

function httpEntry(
  entry: Entry,
  target: HttpTarget,
  ref: ((name: string) => string) | undefined,
): BuiltEntry {
  const headers = render(target.headers, ref);
  return {
    entry: Object.keys(headers.values).length > 0 ? { ...entry, headers: headers.values } : entry,
    leftOut: headers.leftOut,
  };
}

/**
 * Codex expands no variables in values and refuses an inline bearer token; it reads a bearer
 * token from the variable `bearer_token_env_var` names, and a header from the variable that
 * `env_http_headers` names for it.
 */
function codexHttp(target: HttpTarget): BuiltEntry {
  const staticHeaders: Record<string, string> = {};
  const envHeaders: Record<string, string> = {};
  const leftOut: string[] = [];
  let bearer: string | undefined;
  for (const [header, template] of Object.entries(target.headers)) {
    const bearerRef = /^Bearer \$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(template);
    const wholeRef = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(template);
    if (header.toLowerCase() === 'authorization' && bearerRef !== null) bearer = bearerRef[1];
    else if (wholeRef !== null) envHeaders[header] = wholeRef[1] as string;
    else if (!template.match(REFERENCE)) staticHeaders[header] = template;
    else leftOut.push(header);
  }
  return {
    entry: {
      url: target.url,
      ...(bearer === undefined ? {} : { bearer_token_env_var: bearer }),
      ...(Object.keys(staticHeaders).length > 0 ? { http_headers: staticHeaders } : {}),
      ...(Object.keys(envHeaders).length > 0 ? { env_http_headers: envHeaders } : {}),
    },
    leftOut,
  };
}

/** `~/Library/Application Support` (macOS), `%APPDATA%` (Windows) or `~/.config` (elsewhere). */
function appData(ctx: PathContext): string {
  if (ctx.platform === 'darwin') return join(ctx.home, 'Library', 'Application Support');
  if (ctx.platform === 'win32') return ctx.env.APPDATA ?? join(ctx.home, 'AppData', 'Roaming');
  return ctx.env.XDG_CONFIG_HOME ?? join(ctx.home, '.config');
}

const dollarBraces = (name: string): string => `\${${name}}`;
const envColon = (name: string): string => `\${env:${name}}`;

export const CLIENTS: Readonly<Record<ClientId, ClientSpec>> = {
  'claude-code': {
    id: 'claude-code',
    title: 'Claude Code',
    format: 'json',
    jsonc: false,
    rootKey: 'mcpServers',
    files: {
      project: (ctx) => join(ctx.root, '.mcp.json'),
      user: (ctx) => join(ctx.home, '.claude.json'),
    },
    http: (t) => httpEntry({ type: 'http', url: t.url }, t, dollarBraces),
    stdio: (t) => stdioEntry(t, dollarBraces, { extra: { type: 'stdio' } }),
    cwd: false,
    toolPrefix: (entry) => `mcp__${entry}__`,
    notes: { project: 'Claude Code asks once before it uses the servers of a project .mcp.json.' },
  },
  'claude-desktop': {
    id: 'claude-desktop',
    title: 'Claude Desktop',
    format: 'json',
    jsonc: false,
    rootKey: 'mcpServers',
    files: { user: (ctx) => join(appData(ctx), 'Claude', 'claude_desktop_config.json') },
    // A `url` entry is ignored or breaks its start, and remote connectors connect from the cloud,
    // which never reaches 127.0.0.1: it gets the stdio bridge.
    http: undefined,
    stdio: (t) => stdioEntry(t, undefined),
    cwd: false,
    toolPrefix: () => '',
    notes: { user: 'Claude Desktop reads its file when it starts: quit and reopen it.' },
  },
  cursor: {
    id: 'cursor',
    title: 'Cursor',
    format: 'json',
    jsonc: false,
    rootKey: 'mcpServers',
    files: {
      project: (ctx) => join(ctx.root, '.cursor', 'mcp.json'),
      user: (ctx) => join(ctx.home, '.cursor', 'mcp.json'),
    },
    http: (t) => httpEntry({ url: t.url }, t, envColon),
    stdio: (t) => stdioEntry(t, envColon),
    cwd: false,
    toolPrefix: () => '',
  },
  vscode: {
    id: 'vscode',
    title: 'VS Code',
    format: 'json',
    jsonc: true,
    rootKey: 'servers',
    files: {
      project: (ctx) => join(ctx.root, '.vscode', 'mcp.json'),
      user: (ctx) => join(appData(ctx), 'Code', 'User', 'mcp.json'),
    },
    http: (t) => httpEntry({ type: 'http', url: t.url }, t, envColon),
    stdio: (t) => stdioEntry(t, envColon, { extra: { type: 'stdio' }, cwd: true }),
    cwd: true,
    toolPrefix: () => '',
  },
  windsurf: {
    id: 'windsurf',
    title: 'Windsurf',
    format: 'json',
    jsonc: false,
    rootKey: 'mcpServers',
    files: { user: (ctx) => join(ctx.home, '.codeium', 'windsurf', 'mcp_config.json') },
    // Windsurf's HTTP entries use `serverUrl`; a Cursor-style `url` does not connect.
    http: (t) => httpEntry({ serverUrl: t.url }, t, envColon),
    stdio: (t) => stdioEntry(t, envColon),
    cwd: false,
    toolPrefix: () => '',
  },
  codex: {
    id: 'codex',
    title: 'Codex CLI',
    format: 'toml',
    jsonc: false,
    rootKey: 'mcp_servers',
    files: {
      project: (ctx) => join(ctx.root, '.codex', 'config.toml'),
      user: (ctx) => join(ctx.env.CODEX_HOME ?? join(ctx.home, '.codex'), 'config.toml'),
    },
    http: codexHttp,
    stdio: (t) => stdioEntry(t, undefined, { cwd: true }),
    cwd: true,
    toolPrefix: () => '',
    notes: {
      project: 'Codex reads a project .codex/config.toml only in projects you marked trusted.',
    },
  },
  gemini: {
    id: 'gemini',
    title: 'Gemini CLI',
    format: 'json',
    jsonc: true,
    rootKey: 'mcpServers',
    files: {
      project: (ctx) => join(ctx.root, '.gemini', 'settings.json'),
      user: (ctx) => join(ctx.home, '.gemini', 'settings.json'),
    },
    // `url` alone means SSE to Gemini CLI; Streamable HTTP is `httpUrl`.
    http: (t) => httpEntry({ httpUrl: t.url }, t, dollarBraces),
    stdio: (t) => stdioEntry(t, dollarBraces, { cwd: true }),
    cwd: true,
    toolPrefix: (entry) => `mcp_${entry}_`,
  },
};

export function isClientId(value: string): value is ClientId {
  return (CLIENT_IDS as readonly string[]).includes(value);
}

/** The scopes a client has, project first. */
export function scopesOf(client: ClientSpec): Scope[] {
  return (['project', 'user'] as const).filter((s) => client.files[s] !== undefined);
}
