import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type {
  Transport,
  TransportSendOptions,
} from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  type JSONRPCMessage,
  type JSONRPCRequest,
  JSONRPCMessageSchema,
  type RequestId,
  SUPPORTED_PROTOCOL_VERSIONS,
  isInitializeRequest,
} from '@modelcontextprotocol/sdk/types.js';
import { tooDeepAt } from '../json-depth.js';

/** Messages one POST may carry. */
const MAX_BATCH = 100;

/** One POST with requests in it: where their responses, and what they cause, go. */
interface Exchange {
  response: ServerResponse;
  /** Requests of the POST not answered yet. */
  pending: Set<RequestId>;
  /** Answers held until every request of the POST has one (a JSON answer). */
  answers: JSONRPCMessage[];
  batch: boolean;
  /** Switched to an SSE stream: something (progress, a server request) came before the answers. */
  streaming: boolean;
}

/**
 * The server side of one Streamable HTTP session of the gateway, on node:http directly.
 *
 * Why not the SDK's StreamableHTTPServerTransport: in SDK 1.x it converts every request and
 * answer to web-standard Request/Response objects and streams (through @hono/node-server) and
 * answers every POST as an SSE stream; through the gateway that is paid on every call, on top of
 * the hop to the server. This one answers a POST with plain JSON (one write) unless something
 * must go out before the answer (progress, a server's request to the client, a log), and only then
 * switches that POST to an SSE stream, as the spec lets a server choose. Sessions, the GET stream,
 * DELETE, batches and the protocol-version header follow the 2025-11-25 transport as the SDK's does;
 * the official conformance suite runs against it (test/e2e/conformance.test.ts).
 */
export class GatewayHttpTransport implements Transport {
  sessionId: string | undefined;
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?: Transport['onmessage'];
  readonly #exchanges = new Map<RequestId, Exchange>();
  #stream: ServerResponse | undefined;
  #closed = false;

  constructor(private readonly onInitialized: (sessionId: string) => void) {}

  async start(): Promise<void> {}

  /** Answers one HTTP request of this session; `body` is the parsed JSON of a POST. */
  async handle(request: IncomingMessage, response: ServerResponse, body: unknown): Promise<void> {
    if (request.method === 'POST') return this.#post(request, response, body);
    if (request.method === 'GET') return this.#get(request, response);
    if (request.method === 'DELETE') {
      if (this.#badVersion(request, response)) return;
      await this.close();
      response.writeHead(200).end();
      return;
    }
    answer(response, 405, -32000, 'Method not allowed.', { allow: 'GET, POST, DELETE' });
  }

  #post(request: IncomingMessage, response: ServerResponse, body: unknown): void {
    const accept = request.headers.accept ?? '';
    if (!accept.includes('application/json') || !accept.includes('text/event-stream'))
      return answer(
        response,
        406,
        -32000,
        'Not Acceptable: Client must accept both application/json and text/event-stream',
      );
    if (!(request.headers['content-type'] ?? '').includes('application/json'))
      return answer(
        response,
        415,
        -32000,
        'Unsupported Media Type: Content-Type must be application/json',
      );
    const batch = Array.isArray(body);
    const raw = batch ? (body as unknown[]) : [body];
    if (raw.length === 0) return answer(response, 400, -32600, 'Invalid Request: an empty batch');
    if (raw.length > MAX_BATCH)
      return answer(
        response,
        400,
        -32600,
        `Invalid Request: Batch must not exceed ${MAX_BATCH} messages`,
      );
    const messages: JSONRPCMessage[] = [];
    for (const item of raw) {
      const parsed = JSONRPCMessageSchema.safeParse(item);
      if (!parsed.success)
        return answer(response, 400, -32700, 'Parse error: Invalid JSON-RPC message');
      messages.push(parsed.data);
    }
    // Schema checks only where the method says they apply: each costs µs on every call.
    const initializing = messages.filter(
      (m) => 'method' in m && m.method === 'initialize' && isInitializeRequest(m),
    ).length;
    if (initializing > 0) {
      if (this.sessionId !== undefined)
        return answer(response, 400, -32600, 'Invalid Request: Server already initialized');
      if (initializing > 1 || messages.length > 1)
        return answer(
          response,
          400,
          -32600,
          'Invalid Request: Only one initialization request is allowed',
        );
      this.sessionId = randomUUID();
      this.onInitialized(this.sessionId);
    } else {
      if (this.sessionId === undefined)
        return answer(response, 400, -32000, 'Bad Request: Server not initialized');
      if (this.#badVersion(request, response)) return;
    }
    if (this.#closed) return answer(response, 404, -32001, 'Session not found');
    const extra = { requestInfo: { headers: request.headers } };
    // Valid messages (checked above): a request is one with a method and an id.
    const requests = messages.filter((m): m is JSONRPCRequest => 'method' in m && 'id' in m);
    if (requests.length === 0) {
      for (const message of messages) this.onmessage?.(message, extra);
      response.writeHead(202, this.#headers()).end();
      return;
    }
    // An id answers one request: a second one in flight under it would take the first's answer.
    const ids = new Set<RequestId>();
    for (const { id } of requests) {
      if (ids.has(id) || this.#exchanges.has(id))
        return answer(
          response,
          400,
          -32600,
          `Invalid Request: request id ${JSON.stringify(id)} is already in use by a request not answered yet`,
        );
      ids.add(id);
    }
    const exchange: Exchange = {
      response,
      pending: new Set(requests.map((r) => r.id)),
      answers: [],
      batch,
      streaming: false,
    };
    for (const r of requests) this.#exchanges.set(r.id, exchange);
    for (const message of messages) this.onmessage?.(message, extra);
  }

  #get(request: IncomingMessage, response: ServerResponse): void {
    if (!(request.headers.accept ?? '').includes('text/event-stream'))
      return answer(response, 406, -32000, 'Not Acceptable: Client must accept text/event-stream');
    if (this.#badVersion(request, response)) return;
    if (this.#stream !== undefined)
      return answer(response, 409, -32000, 'Conflict: Only one SSE stream is allowed per session');
    this.#stream = response;
    response.writeHead(200, this.#headers(SSE_HEADERS)).flushHeaders();
    response.once('close', () => {
      if (this.#stream === response) this.#stream = undefined;
    });
  }

  /** The Mcp-Protocol-Version header, when sent, must be one this SDK speaks: else 400. */
  #badVersion(request: IncomingMessage, response: ServerResponse): boolean {
    const version = request.headers['mcp-protocol-version'];
    if (typeof version !== 'string' || SUPPORTED_PROTOCOL_VERSIONS.includes(version)) return false;
    answer(
      response,
      400,
      -32000,
      `Bad Request: Unsupported protocol version: ${version} (supported versions: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`,
    );
    return true;
  }

  #headers(extra: Record<string, string> = {}): Record<string, string> {
    return this.sessionId === undefined ? extra : { ...extra, 'mcp-session-id': this.sessionId };
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    // The SDK's own messages: an answer is one with a result or an error (no schema check needed).
    const answerOf = 'result' in message || 'error' in message;
    const id = answerOf ? message.id : options?.relatedRequestId;
    if (id === undefined) {
      if (answerOf) throw new Error('Cannot send a response outside a request');
      // Outside any request: the client's GET stream, if it keeps one open (else it is lost).
      if (this.#stream !== undefined && !this.#stream.writableEnded)
        writeEvent(this.#stream, message);
      return;
    }
    const exchange = this.#exchanges.get(id);
    if (exchange === undefined)
      throw new Error(`No connection established for request ID: ${String(id)}`);
    const { response } = exchange;
    if (!answerOf) {
      if (!exchange.streaming) {
        exchange.streaming = true;
        if (!response.headersSent) response.writeHead(200, this.#headers(SSE_HEADERS));
      }
      if (open(response)) writeEvent(response, message);
      return;
    }
    exchange.answers.push(message);
    exchange.pending.delete(id);
    this.#exchanges.delete(id);
    if (exchange.pending.size > 0 || !open(response)) return;
    if (exchange.streaming) {
      for (const one of exchange.answers) writeEvent(response, one);
      response.end();
      return;
    }
    const single = !exchange.batch && exchange.answers.length === 1;
    response
      .writeHead(200, this.#headers({ 'content-type': 'application/json' }))
      .end(JSON.stringify(single ? exchange.answers[0] : exchange.answers));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const exchange of new Set(this.#exchanges.values())) exchange.response.end();
    this.#exchanges.clear();
    this.#stream?.end();
    this.#stream = undefined;
    this.onclose?.();
  }
}

const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

/** Still writable: not ended by us, not gone with the client's connection. */
function open(response: ServerResponse): boolean {
  return !response.writableEnded && !response.destroyed;
}

function writeEvent(response: ServerResponse, message: JSONRPCMessage): void {
  response.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
}

function answer(
  response: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(response, status, { jsonrpc: '2.0', error: { code, message }, id: null }, headers);
}

/** A whole JSON answer in one write. */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response
    .writeHead(status, { 'content-type': 'application/json', ...headers })
    .end(JSON.stringify(body));
}

/** The most a JSON-RPC body may weigh (a gateway, a bridge): larger ones get 413. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * The deepest nesting of arrays and objects a body may have. A message has a few levels; a tool's
 * arguments rarely a dozen. Far deeper ones parse, but JSON.stringify cannot write them back (its
 * recursion overflows the stack), so forwarding one would fail inside mcpx, after it was accepted.
 */
export const MAX_JSON_DEPTH = 1000;

/** What readJson returns once it has answered a bad body itself. */
export const INVALID = Symbol('invalid body');

/** The JSON body of `request`, or INVALID after answering 413 (too large) or 400 (not JSON). */
export function readJson(request: IncomingMessage, response: ServerResponse): Promise<unknown> {
  // Events rather than `for await`: the async iterator cost tens of µs per request on the
  // gateway's hot path (bench/gateway.js), and a body is one chunk or a few.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) {
        chunks.push(chunk);
        return;
      }
      request.off('data', onData);
      request.off('end', onEnd);
      sendJson(response, 413, {
        jsonrpc: '2.0',
        error: { code: -32600, message: `Request body over ${MAX_BODY_BYTES} bytes` },
        id: null,
      });
      request.resume();
      resolve(INVALID);
    };
    const onEnd = (): void => {
      request.off('close', onClose);
      const text = Buffer.concat(chunks, size).toString('utf8');
      if (tooDeepAt(text, MAX_JSON_DEPTH) !== undefined) {
        sendJson(response, 400, {
          jsonrpc: '2.0',
          error: {
            code: -32700,
            message: `Parse error: the body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels`,
          },
          id: null,
        });
        resolve(INVALID);
        return;
      }
      try {
        resolve(JSON.parse(text) as unknown);
      } catch {
        sendJson(response, 400, {
          jsonrpc: '2.0',
          error: { code: -32700, message: 'Parse error: the body is not JSON' },
          id: null,
        });
        resolve(INVALID);
      }
    };
    // The client went away before the whole body came: nothing to answer.
    const onClose = (): void => {
      if (!request.complete) reject(new Error('the client closed the connection mid-request'));
    };
    request.on('data', onData);
    request.once('end', onEnd);
    request.once('close', onClose);
    request.once('error', reject);
  });
}
