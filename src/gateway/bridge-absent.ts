/**
 * What `mcpx connect` says while the gateway is not there: why (from the error of the last
 * connection attempt) and what to do, and the answers it gives in the gateway's place (its own
 * initialize, empty lists). No state: the bridge (bridge.ts) keeps the last Problem.
 */
import {
  type JSONRPCRequest,
  LATEST_PROTOCOL_VERSION,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/sdk/types.js';
import { isMcpxError } from '../errors.js';
import { upstreamFailure } from './upstream-failure.js';

/** Why the gateway is not reachable now, and what to do about it. */
export interface Problem {
  reason: string;
  advice: string;
}

/** Nothing listens where the manifest says the gateway will, and no mcpx dev runs. */
export class NotRunning extends Error {}

/** The gateway answered initialize with 404: it has no such endpoint (an unknown `--server`). */
export class NoEndpoint extends Error {}

/** What a client that never reached the gateway is told for its lists. */
export const EMPTY_LISTS: Record<string, Record<string, unknown[]>> = {
  'tools/list': { tools: [] },
  'prompts/list': { prompts: [] },
  'resources/list': { resources: [] },
  'resources/templates/list': { resourceTemplates: [] },
};

/** An error of a connection attempt to the gateway of workspace `root` (undefined: none yet). */
export function problemOf(error: unknown, root: string): Problem {
  const start = `start it with \`mcpx dev --dir ${root}\``;
  if (error === undefined || error instanceof NotRunning) {
    return { reason: `mcpx dev is not running in ${root}`, advice: start };
  }
  if (error instanceof NoEndpoint) {
    return {
      reason: error.message,
      advice: 'check the names of --server against `mcpx status`, or leave --server out',
    };
  }
  if (isMcpxError(error)) {
    return { reason: error.message.replace(/\.$/, ''), advice: error.hint ?? start };
  }
  const failure = upstreamFailure(error);
  const reason = `the gateway of ${root} cannot be reached: ${failure.reason}`;
  if (failure.kind === 'http') {
    return {
      reason,
      advice: `check ${root}/.mcpx/gateway-token and the terminal running \`mcpx dev\``,
    };
  }
  return {
    reason,
    advice: failure.kind === 'absent' ? start : 'check the terminal running `mcpx dev`',
  };
}

/** The problem as one sentence, for the client and for stderr. */
export function absentMessage({ reason, advice }: Problem): string {
  return `${reason}: ${advice}.`;
}

/** The bridge's own answer to the client's initialize while the gateway is absent. */
export function localInitializeResult(
  message: JSONRPCRequest,
  version: string,
  absent: string,
): Record<string, unknown> {
  const asked = (message.params as { protocolVersion?: unknown } | undefined)?.protocolVersion;
  return {
    protocolVersion:
      typeof asked === 'string' && SUPPORTED_PROTOCOL_VERSIONS.includes(asked)
        ? asked
        : LATEST_PROTOCOL_VERSION,
    capabilities: {
      tools: { listChanged: true },
      prompts: { listChanged: true },
      resources: { listChanged: true },
    },
    serverInfo: { name: 'mcpx', version },
    instructions:
      `${absent} Until then this server lists nothing; once mcpx dev runs, ` +
      'it connects by itself and sends list_changed.',
  };
}
