import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ErrorCode,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  McpError,
  PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamPeer } from './upstream.js';
import type { LogEvent } from '../logs/event.js';
import { type RawSurface, type Surface, listRaw, listSurface } from './surface.js';
import type { ServerProcess } from './process.js';
import { ChildStdioTransport } from './stdio-transport.js';
import { type HttpAnswer, answerRecorder } from './http-answer.js';
import { NodeHttpClientTransport } from './http-client-transport.js';

/** An event from a server, before the replica adds time, server and replica. */
export type ServerEvent = Pick<LogEvent, 'stream' | 'level' | 'msg' | 'data'>;

/**
 * The client transport to an HTTP server's endpoint: Streamable HTTP, or the legacy HTTP+SSE
 * transport (GET the event stream, POST to the endpoint it names). The one place they are made, so
 * that headers every request needs (the manifest's `headers`, a token) are merged in one line, and
 * each answer that is not MCP reaches `onAnswer` (for a failed connection's message). Streamable
 * HTTP goes through mcpx's own node:http transport (see NodeHttpClientTransport for why); the
 * legacy transport through the SDK's.
 */
export function httpClientTransport(
  kind: 'http' | 'sse',
  url: string,
  headers?: Record<string, string>,
  onAnswer?: (answer: HttpAnswer) => void,
): Transport {
  if (kind === 'http') return new NodeHttpClientTransport(new URL(url), headers, onAnswer);
  const requestInit = headers === undefined ? undefined : { headers };
  const fetch = onAnswer === undefined ? undefined : answerRecorder(onAnswer);
  return new SSEClientTransport(new URL(url), { requestInit, fetch });
}

/**
 * The client transport over the stdin/stdout of a server process mcpx spawned: each stdout line
 * that is not JSON-RPC goes to `onPollution` instead of breaking the session.
 */
export function stdioClientTransport(
  server: ServerProcess,
  onPollution: (line: string, oversize: boolean) => void,
): Transport {
  return new ChildStdioTransport(server.child, onPollution);
}

/**
 * An MCP client session with one server, over stdio or Streamable HTTP: initialize, ping, list,
 * close. The server's `notifications/message` logs come out as events.
 */
export class McpSession {
  readonly client: Client;
  /** The protocol version agreed in initialize. */
  protocolVersion: string | undefined;
  /** Where the server's requests for its client go (the gateway); unset: they get an error. */
  peer: UpstreamPeer | undefined;
  /** Told when the server says one of its lists changed. */
  onListChanged: ((kind: 'tools' | 'prompts' | 'resources') => void) | undefined;

  /**
   * `relay`: the session may carry a downstream client's capabilities (the gateway's): it declares
   * sampling, elicitation and roots, and passes those requests to `peer`. Declared before any
   * downstream client exists, so it is the union of what one may have; a downstream client that
   * lacks one gets the request refused there.
   */
  constructor(
    onEvent: (event: ServerEvent) => void | Promise<void>,
    options: { relay?: boolean } = {},
  ) {
    this.client = new Client(
      { name: 'mcpx', version: '0.1.0' },
      {
        capabilities: options.relay
          ? {
              sampling: { context: {}, tools: {} },
              elicitation: { form: {}, url: {} },
              roots: { listChanged: true },
            }
          : {},
      },
    );
    if (options.relay) {
      for (const schema of [
        CreateMessageRequestSchema,
        ElicitRequestSchema,
        ListRootsRequestSchema,
      ])
        this.client.setRequestHandler(schema, (request, extra) => {
          if (this.peer === undefined)
            throw new McpError(
              ErrorCode.InternalError,
              `mcpx has no MCP client to pass ${request.method} to yet`,
            );
          // The SDK checks the answer against the method's result schema.
          return this.peer.request(request, extra.signal) as never;
        });
      this.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => {
        this.peer?.resourceUpdated(notification.params.uri);
      });
    }
    const changed = (kind: 'tools' | 'prompts' | 'resources') => () => this.onListChanged?.(kind);
    this.client.setNotificationHandler(ToolListChangedNotificationSchema, changed('tools'));
    this.client.setNotificationHandler(PromptListChangedNotificationSchema, changed('prompts'));
    this.client.setNotificationHandler(ResourceListChangedNotificationSchema, changed('resources'));
    this.client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
      this.peer?.log(notification.params);
      const { level, data, logger } = notification.params;
      const msg = typeof data === 'string' ? data : JSON.stringify(data);
      return onEvent({
        stream: 'mcp',
        level,
        msg: (logger === undefined ? msg : `${logger}: ${msg}`).replace(/\r?\n/g, ' '),
        data,
      });
    });
  }

  /** Connects and initializes, within `timeout` ms. */
  async initialize(transport: Transport, timeout: number): Promise<void> {
    // The SDK tells the transport the agreed version; not every transport shows it (SSE keeps it private).
    const told = transport.setProtocolVersion?.bind(transport);
    transport.setProtocolVersion = (version) => {
      this.protocolVersion = version;
      told?.(version);
    };
    await this.client.connect(transport, { timeout });
  }

  /** The server's name and version from initialize. */
  get serverInfo(): { name: string; version: string } | undefined {
    const info = this.client.getServerVersion();
    return info === undefined ? undefined : { name: info.name, version: info.version };
  }

  /** MCP ping with a timeout: the health check. */
  async ping(timeout: number): Promise<void> {
    await this.client.ping({ timeout });
  }

  /** Every primitive the server's capabilities declare, keyed for diffs. */
  list(timeout: number): Promise<Surface> {
    return listSurface(this.client, timeout);
  }

  /** Every primitive the server's capabilities declare, as it sent them. */
  listRaw(timeout: number): Promise<RawSurface> {
    return listRaw(this.client, timeout);
  }

  /** Ends the session (an HTTP server's open streams with it); never throws. */
  async close(): Promise<void> {
    await this.client.close().catch(() => undefined);
  }
}
