import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  CallToolResultSchema,
  ErrorCode,
  McpError,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import { closest } from '../closest.js';
import { ExitCode, McpxError } from '../errors.js';
import { listAll, withGatewayClient } from '../gateway/client.js';
import { runningGateway } from '../gateway/locate.js';
import { findWorkspaceRoot } from '../manifest/root.js';

export interface CallOptions {
  dir: string;
  /** `<prefix>__<tool>`, as `mcpx tools` lists it. */
  tool: string;
  arguments: Record<string, unknown>;
}

/**
 * Longest wait for a tool's answer. The gateway has its own limits; this one only keeps a stuck
 * call from hanging a script forever.
 */
const CALL_TIMEOUT_MS = 300_000;

/**
 * Calls a tool through the gateway of the `mcpx dev` running for the workspace at `dir`. A result
 * with `isError` is returned (the caller decides the exit code); an unknown tool or arguments the
 * gateway refuses are an McpxError (exit 2) naming the closest tools.
 */
export async function callTool(options: CallOptions): Promise<CallToolResult> {
  const root = await findWorkspaceRoot(options.dir);
  const target = await runningGateway(root);
  return withGatewayClient(root, target, target.url, async (client) => {
    let result: CallToolResult;
    try {
      result = (await client.request(
        { method: 'tools/call', params: { name: options.tool, arguments: options.arguments } },
        CallToolResultSchema,
        { timeout: CALL_TIMEOUT_MS },
      )) as CallToolResult;
    } catch (error) {
      if (error instanceof McpError && error.code === ErrorCode.InvalidParams) {
        throw await refused(client, options.tool, error);
      }
      if (error instanceof McpError) {
        throw new McpxError(
          `The gateway answered ${options.tool} with an error (${said(error)}).`,
          {
            hint: 'see `mcpx logs --server gateway` and the logs of the server',
            exitCode: ExitCode.checkFailed,
            cause: error,
          },
        );
      }
      throw error;
    }
    // The gateway routes by the name's prefix (a name typed before any list must work), so a
    // wrong tool name of a known server comes back as that server's tool error: say it plainly.
    if (result.isError === true) await mustBeListed(client, options.tool, result);
    return result;
  });
}

/**
 * Throws the unknown-tool McpxError when `name` is not in the endpoint's list although its server
 * lists others. A server with nothing listed is down (the gateway leaves it out of the lists), and
 * its tool error says why: that stays the result.
 */
async function mustBeListed(client: Client, name: string, result: CallToolResult): Promise<void> {
  const names = (await listAll(client).catch(() => undefined))?.map((t) => t.name);
  if (names === undefined || names.includes(name)) return;
  const at = name.indexOf('__');
  const prefix = at < 0 ? undefined : name.slice(0, at + 2);
  if (prefix === undefined || !names.some((n) => n.startsWith(prefix))) return;
  const text = result.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join(' ');
  throw unknownTool(name, names, withoutSdkPrefix(text));
}

/** The gateway's -32602, explained: an unknown name (with the nearest ones) or bad arguments. */
async function refused(client: Client, name: string, error: McpError): Promise<McpxError> {
  const tools = await listAll(client).catch(() => undefined);
  const names = tools?.map((t) => t.name) ?? [];
  if (tools !== undefined && !names.includes(name)) return unknownTool(name, names, said(error));
  return new McpxError(`The gateway refused the arguments of ${name} (${said(error)}).`, {
    hint: `\`mcpx tools --json\` shows its inputSchema; pass --args '{...}' or key=value pairs`,
    cause: error,
  });
}

function unknownTool(name: string, names: readonly string[], said: string): McpxError {
  const near = nearest(name, names);
  return new McpxError(`The gateway has no tool "${name}" (${said}).`, {
    hint:
      near.length > 0
        ? `did you mean ${near.map((n) => `\`${n}\``).join(' or ')}? \`mcpx tools\` lists them all`
        : '`mcpx tools` lists the tools of the running cluster, as <server>__<tool>',
  });
}

/**
 * Up to three names close to `name`: the nearest by spelling, then those with the same tool part
 * (a name typed without its server prefix, or with the wrong one).
 */
function nearest(name: string, names: readonly string[]): string[] {
  const toolPart = (n: string): string => {
    const at = n.indexOf('__');
    return at < 0 ? n : n.slice(at + 2);
  };
  const wanted = toolPart(name);
  const spelled = closest(name, names);
  const sameTool = names.filter((n) => toolPart(n) === wanted || n.endsWith(`__${name}`));
  return [...new Set([...(spelled === undefined ? [] : [spelled]), ...sameTool])].slice(0, 3);
}

/** A JSON-RPC error as `code: message`, without the SDK's "MCP error <code>: " (added per hop). */
function said(error: McpError): string {
  return `${error.code}: ${withoutSdkPrefix(error.message)}`;
}

function withoutSdkPrefix(message: string): string {
  return message.replace(/^(?:MCP error -?\d+: )+/, '');
}
