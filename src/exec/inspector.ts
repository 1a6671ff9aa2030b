/**
 * Runs the MCP Inspector (`@modelcontextprotocol/inspector`, major 2): never bundled (110 MB), run
 * with npx, or from a copy already installed when MCPX_INSPECTOR_BIN names its `mcp-inspector` bin.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { ExitCode, McpxError } from '../errors.js';
import { stopWithLadder } from '../server/stop-ladder.js';

/** The package npx runs: major 2, whose flags (`--web`, `--cli`, `--header`) mcpx passes. */
export const INSPECTOR_PACKAGE = '@modelcontextprotocol/inspector@2';
/** `engines.node` of the Inspector 2.x. */
export const INSPECTOR_NODE = [22, 19, 0] as const;

/** How to start the Inspector: a program and the arguments before the Inspector's own. */
export interface InspectorCommand {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Said in errors: where the Inspector came from. */
  source: string;
}

/**
 * The Inspector on the Node that runs mcpx (`process.execPath`), when that Node is new enough:
 * npx's package runs on the first `node` on PATH, so that Node's folder goes first.
 * Throws McpxError (exit 2) for an older Node, for no npx, or for a MCPX_INSPECTOR_BIN that is not there.
 */
export function inspectorCommand(
  env: NodeJS.ProcessEnv = process.env,
  nodeVersion: string = process.versions.node,
  execPath: string = process.execPath,
): InspectorCommand {
  if (!newEnough(nodeVersion)) {
    throw new McpxError(
      `The MCP Inspector needs Node >= ${INSPECTOR_NODE.join('.')}; mcpx runs on Node ${nodeVersion} (${execPath}).`,
      {
        hint: 'upgrade Node (e.g. `nvm install 24`), or run mcpx with a newer node: `npx -p node@24 mcpx inspect`, or the project pinned node in node_modules/.bin',
        exitCode: ExitCode.usage,
      },
    );
  }
  const nodeDir = dirname(execPath);
  const path = [nodeDir, env.PATH ?? ''].join(delimiter);
  const childEnv = { ...env, PATH: path };
  const bin = env.MCPX_INSPECTOR_BIN;
  if (bin !== undefined && bin !== '') {
    if (!isAbsolute(bin) || !existsSync(bin)) {
      throw new McpxError(
        `MCPX_INSPECTOR_BIN is ${bin}: no such file (it wants an absolute path).`,
        {
          hint: 'set it to the mcp-inspector bin of an installed @modelcontextprotocol/inspector 2.x, or unset it to use npx',
        },
      );
    }
    return { command: execPath, args: [bin], env: childEnv, source: bin };
  }
  const npx = [nodeDir, ...(env.PATH ?? '').split(delimiter)]
    .filter((dir) => dir !== '')
    .map((dir) => join(dir, 'npx'))
    .find((file) => existsSync(file));
  if (npx === undefined) {
    throw new McpxError(
      'npx was not found next to node or on PATH: mcpx runs the Inspector with it.',
      {
        hint: `install npm (it brings npx), or install ${INSPECTOR_PACKAGE} yourself and set MCPX_INSPECTOR_BIN to its mcp-inspector bin`,
      },
    );
  }
  return {
    command: npx,
    args: ['-y', INSPECTOR_PACKAGE],
    env: childEnv,
    source: `npx ${INSPECTOR_PACKAGE}`,
  };
}

function newEnough(version: string): boolean {
  const parts = version.split('.').map((part) => Number.parseInt(part, 10));
  for (const [index, need] of INSPECTOR_NODE.entries()) {
    const have = parts[index] ?? 0;
    if (have !== need) return have > need;
  }
  return true;
}

/** A running Inspector, in a process group of its own (npx and the Node it starts). */
export interface InspectorProcess {
  child: ChildProcess;
  /** Resolves with the exit code (128 + n for a signal) once the group leader exited. */
  exited: Promise<number>;
  /** SIGTERM to the group, SIGKILL after 3 s; then SIGKILL for anything left in the group. */
  stop(): Promise<void>;
}

/** Starts the Inspector with `args` after its command, stdin closed, stdout and stderr piped. */
export function startInspector(
  launch: InspectorCommand,
  args: readonly string[],
): InspectorProcess {
  const child = spawn(launch.command, [...launch.args, ...args], {
    env: launch.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own group: a stop reaches the Node that npx starts, not npx alone.
    detached: true,
  });
  const exited = new Promise<number>((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      // Spawn failed: no process, nothing to wait for.
      child.stderr?.emit('data', `${error.message}\n`);
      resolve(ExitCode.unreachable);
    });
    child.once('close', (code, signal) => {
      resolve(code ?? 128 + (signal === null ? 0 : signalNumber(signal)));
    });
  });
  const group = (signal: NodeJS.Signals): void => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // The group is gone.
    }
  };
  return {
    child,
    exited,
    stop: async () => {
      await stopWithLadder({ exited, signal: group }, { graceMs: 0, termMs: 3000, killMs: 1000 });
      group('SIGKILL');
    },
  };
}

function signalNumber(signal: NodeJS.Signals): number {
  return { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 }[signal as string] ?? 0;
}

/** The web UI's address and per-launch token, as the Inspector prints them on start. */
export interface InspectorWeb {
  url: URL;
  token: string;
}

/**
 * Reads the web UI's "http://127.0.0.1:PORT?MCP_INSPECTOR_API_TOKEN=<token>" line; the token is
 * random per launch and not taken from the environment, so stdout is the only place to learn it.
 */
export function parseWebLine(line: string): InspectorWeb | undefined {
  const match = /(https?:\/\/\S+\?MCP_INSPECTOR_API_TOKEN=([0-9A-Za-z_-]+))/.exec(line);
  if (match === null) return undefined;
  return { url: new URL(match[1]!), token: match[2]! };
}

/**
 * The link that opens the web UI already connected to `serverUrl`: `autoConnect` must equal the
 * per-launch token (the Inspector's CSRF gate).
 */
export function deepLink(
  web: InspectorWeb,
  server: { url: URL; transport: 'http' | 'sse' } | undefined,
): URL {
  const link = new URL(web.url);
  if (server !== undefined) {
    link.searchParams.set('serverUrl', server.url.href);
    link.searchParams.set('transport', server.transport);
    link.searchParams.set('autoConnect', web.token);
  }
  return link;
}

/** Whether the Inspector's output says npx could not reach the registry. */
export function looksOffline(output: string): boolean {
  return /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH|network request|npm ERR! code E(404|CONN)|npm error code E(NOTFOUND|AI_AGAIN|CONNREFUSED|TIMEDOUT)/i.test(
    output,
  );
}
