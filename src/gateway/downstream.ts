import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { LoggingLevel } from '@modelcontextprotocol/sdk/types.js';
import type { Replica } from '../supervisor/replica.js';
import { GatewayHttpTransport } from './http-transport.js';

/**
 * Which servers an endpoint shows, and how: `/mcp` (all, prefixed), `/mcp?servers=a,b` (some,
 * prefixed), `/servers/<name>/mcp` (one, names as the server has them).
 */
export interface View {
  /** Sessions of one view share its aggregate and its list_changed decisions. */
  key: string;
  /** Undefined: every server of the cluster. */
  servers: readonly string[] | undefined;
  prefixed: boolean;
}

export const ALL_SERVERS: View = { key: '/mcp', servers: undefined, prefixed: true };

/** The client's side of a tool call, as the SDK hands it to a request handler. */
export interface CallContext {
  signal: AbortSignal;
  sendNotification: (notification: {
    method: string;
    params?: Record<string, unknown>;
  }) => Promise<void>;
  sendRequest: (
    request: { method: string; params?: Record<string, unknown> },
    schema: never,
    options?: { signal?: AbortSignal; timeout?: number },
  ) => Promise<unknown>;
}

/**
 * One MCP client's session with the gateway: its own low-level SDK Server over its own Streamable
 * HTTP transport (the gateway owns the session id, so reloads and restarts behind it do not end it),
 * what it asked for (a log level, subscriptions), and its dedicated instances (isolation "session").
 */
export class DownstreamSession {
  readonly server: Server;
  readonly transport: GatewayHttpTransport;
  /** Set once the client's initialize is answered. */
  id: string | undefined;
  /** Set by logging/setLevel; until then the session gets no server logs. */
  level: LoggingLevel | undefined;
  /** list_changed notifications sent to it, for `mcpx status`. */
  listChangedSent = 0;
  /** Clock time of its last request, for the idle expiry. */
  lastSeen: number;
  /** Its GET streams open now: a client listening is not idle. */
  streams = 0;
  /** isolation "session": its own instance of each such server it used. */
  readonly isolated = new Map<string, Promise<Replica>>();
  closed = false;
  readonly onClosed: () => void;

  constructor(
    readonly view: View,
    now: number,
    instructions: string,
    onInitialized: (session: DownstreamSession) => void,
    onClosed: (session: DownstreamSession) => void,
  ) {
    this.lastSeen = now;
    this.server = new Server(
      { name: 'mcpx-gateway', version: '0.1.0' },
      {
        capabilities: {
          tools: { listChanged: true },
          prompts: { listChanged: true },
          resources: { listChanged: true, subscribe: true },
          completions: {},
          logging: {},
        },
        instructions,
      },
    );
    this.transport = new GatewayHttpTransport((id) => {
      this.id = id;
      onInitialized(this);
    });
    // Set after the Server connects, which takes onclose for itself: see http.ts.
    this.onClosed = () => onClosed(this);
  }

  /** The client declared this capability in its initialize. */
  supports(capability: 'sampling' | 'elicitation' | 'roots'): boolean {
    return this.server.getClientCapabilities()?.[capability] !== undefined;
  }
}
