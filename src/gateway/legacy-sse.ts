import type { IncomingMessage, ServerResponse } from 'node:http';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import type { Clock } from '../clock.js';
import { DownstreamSession, type View } from './downstream.js';
import type { Gateway } from './gateway.js';
import { serveSession } from './handlers.js';
import { INVALID, readJson } from './http-transport.js';

/** Where old clients open their event stream, and where they POST their messages. */
const STREAM_PATH = '/sse';
const MESSAGES_PATH = '/messages';
/** Legacy streams open at once; past it, new ones are refused (503) rather than evicting a live one. */
const MAX_STREAMS = 1000;

/**
 * The gateway's endpoints for clients of the HTTP+SSE transport of protocol 2024-11-05 (deprecated
 * since 2025-03-26, still all some clients speak): `GET /sse` opens a session's event stream, whose
 * first event names `POST /messages?sessionId=<id>` for the client's messages. Each stream is one
 * session with the same handlers as /mcp; it ends when the stream closes. GatewayServer checks Host,
 * Origin and the token before it calls here.
 */
export class LegacySse {
  readonly #byId = new Map<string, DownstreamSession<SSEServerTransport>>();

  constructor(
    private readonly gateway: Gateway,
    private readonly clock: Clock,
    private readonly instructions: (view: View) => string,
    /** What GatewayServer does when any session ends (the gateway's bookkeeping, the server's close). */
    private readonly closed: (session: DownstreamSession) => Promise<void>,
  ) {}

  /** Whether `path` is one of the legacy endpoints. */
  static serves(path: string): boolean {
    return path === STREAM_PATH || path === MESSAGES_PATH;
  }

  async handle(
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
    view: View,
  ): Promise<void> {
    if (path === STREAM_PATH) {
      if (request.method !== 'GET')
        return refuse(response, 405, `${STREAM_PATH} takes GET (open the event stream)`, 'GET');
      return this.#open(response, view);
    }
    if (request.method !== 'POST')
      return refuse(response, 405, `${MESSAGES_PATH} takes POST (a JSON-RPC message)`, 'POST');
    const id = new URL(request.url ?? '/', 'http://gateway').searchParams.get('sessionId');
    const session = id === null ? undefined : this.#byId.get(id);
    if (session === undefined)
      return refuse(
        response,
        404,
        `Session not found: ${id === null ? 'no sessionId' : 'it ended, or mcpx dev restarted'}; open ${STREAM_PATH} again`,
      );
    // Read here, with the limits of /mcp (size, nesting), rather than by the SDK's transport.
    const body = await readJson(request, response);
    if (body === INVALID) return;
    // It answers 202 and sends the result on the stream; a stream that closed meanwhile gets 500.
    await session.transport.handlePostMessage(request, response, body).catch(() => undefined);
  }

  async #open(response: ServerResponse, view: View): Promise<void> {
    if (this.#byId.size >= MAX_STREAMS)
      return refuse(response, 503, `${MAX_STREAMS} legacy SSE sessions are open; close one`);
    const transport = new SSEServerTransport(MESSAGES_PATH, response);
    const session = new DownstreamSession(
      view,
      this.clock.now(),
      this.instructions(view),
      transport,
      (s) => void this.#ended(s),
    );
    // Its id exists before initialize: the stream's first event names it.
    session.id = transport.sessionId;
    // The Server keeps this onclose and calls it after its own: the client left, or close().
    transport.onclose = session.onClosed;
    this.#byId.set(transport.sessionId, session);
    serveSession(session, this.gateway);
    this.gateway.sessions.add(session);
    // Writes the stream's headers and its endpoint event.
    await session.server.connect(transport);
    this.gateway.changed();
  }

  async #ended(session: DownstreamSession<SSEServerTransport>): Promise<void> {
    if (session.id !== undefined) this.#byId.delete(session.id);
    await this.closed(session);
  }
}

function refuse(response: ServerResponse, status: number, message: string, allow?: string): void {
  response
    .writeHead(status, {
      'content-type': 'application/json',
      ...(allow === undefined ? {} : { allow }),
    })
    .end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}
