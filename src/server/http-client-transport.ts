import { Agent as HttpAgent, type ClientRequest, type IncomingMessage, request } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { urlToHttpOptions } from 'node:url';
import { createParser } from 'eventsource-parser';
import { type HttpAnswer, firstLineOf } from './http-answer.js';

/** What a body may be when the answer is MCP: JSON, an event stream. */
const MCP_TYPES = /^(application\/json|text\/event-stream)\b/i;
/** The most of an error answer's body kept for its message. */
const MAX_ERROR_BODY = 64 * 1024;
/** Backoff of the GET stream's reconnections: first delay, cap. */
const GET_RETRY_MS = 500;
const GET_RETRY_MAX_MS = 30_000;

/**
 * The client side of Streamable HTTP (2025-11-25) on node:http with a keep-alive agent: what
 * mcpx's supervisor (and so the gateway's upstream hop) speaks to every HTTP server's replica.
 *
 * Why not the SDK's StreamableHTTPClientTransport: it goes through undici's fetch, web streams and
 * a TextDecoderStream + EventSourceParserStream pipeline per SSE answer, and parses every message
 * with zod before the protocol layer parses it again. Measured with `node --cpu-prof` on
 * `mcpx dev` under `bench/gateway.js` (node 24, 2 loaded cores): undici and web streams were 30% of
 * the gateway process's busy CPU over the whole run, the HTTP case cost 0.80 ms of mcpx CPU per
 * call against 0.35 ms for the same fixture over stdio, and the gateway's p50 was 2.06x direct
 * HTTP at 1 client (target 1.3x). This transport writes one request per message on a reused
 * socket, reads a JSON answer in one piece and feeds an SSE answer to eventsource-parser as its
 * bytes arrive. Errors stay the SDK's StreamableHTTPError (status in `code`), so the fallback to
 * SSE on 400/404/405 and the connect-error messages work as before, and every answer that is not
 * MCP reaches `onAnswer`. Not done (mcpx does not use them): OAuth, resumption with Last-Event-ID.
 */
export class NodeHttpClientTransport implements Transport {
  sessionId: string | undefined;
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?: Transport['onmessage'];
  #protocolVersion: string | undefined;
  readonly #agent: HttpAgent;
  readonly #request: typeof request;
  /** Where requests go, as http.request takes it: turning the URL into this per request showed up. */
  readonly #target: ReturnType<typeof urlToHttpOptions>;
  /** Every request under way (POSTs and the GET stream): close() ends them all. */
  readonly #open = new Set<ClientRequest>();
  #started = false;
  #closed = false;
  #getStream: ClientRequest | undefined;
  #getRetry: NodeJS.Timeout | undefined;
  #getFailures = 0;
  /** Messages go to the client one microtask apart: see #deliver. */
  #delivered: Promise<void> = Promise.resolve();

  constructor(
    private readonly url: URL,
    private readonly headers: Record<string, string> = {},
    private readonly onAnswer?: (answer: HttpAnswer) => void,
  ) {
    const https = url.protocol === 'https:';
    this.#agent = https ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
    this.#request = https ? httpsRequest : request;
    this.#target = urlToHttpOptions(url);
  }

  get protocolVersion(): string | undefined {
    return this.#protocolVersion;
  }

  setProtocolVersion(version: string): void {
    this.#protocolVersion = version;
  }

  async start(): Promise<void> {
    if (this.#started) throw new Error('NodeHttpClientTransport already started');
    this.#started = true;
  }

  async send(message: JSONRPCMessage | JSONRPCMessage[]): Promise<void> {
    if (this.#closed) throw new Error('the transport is closed');
    const response = await this.#exchange('POST', JSON.stringify(message));
    const sessionId = response.headers['mcp-session-id'];
    if (typeof sessionId === 'string' && sessionId !== '') this.sessionId = sessionId;
    const status = response.statusCode ?? 0;
    const contentType = response.headers['content-type'] ?? '';
    if (status < 200 || status > 299) {
      const text = await readText(response, MAX_ERROR_BODY).catch(() => '');
      this.#record('POST', response, firstLineOf(text));
      throw new StreamableHTTPError(status, `Error POSTing to endpoint: ${text}`);
    }
    const messages = Array.isArray(message) ? message : [message];
    if (status === 202 || status === 204) {
      response.resume();
      if (messages.some((m) => 'method' in m && m.method === 'notifications/initialized'))
        this.#openGetStream();
      return;
    }
    if (!messages.some((m) => 'method' in m && 'id' in m)) {
      response.resume();
      return;
    }
    if (!MCP_TYPES.test(contentType)) {
      const text = await readText(response, 4096).catch(() => '');
      this.#record('POST', response, firstLineOf(text));
      throw new StreamableHTTPError(-1, `Unexpected content type: ${contentType}`);
    }
    if (/^text\/event-stream/i.test(contentType)) {
      void this.#readEvents(response);
      return;
    }
    const text = await readText(response, Infinity);
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new Error(`the server's JSON answer does not parse: ${(error as Error).message}`, {
        cause: error,
      });
    }
    for (const item of Array.isArray(data) ? data : [data]) this.#deliver(item);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#getRetry);
    for (const req of this.#open) req.destroy(abortError());
    this.#open.clear();
    this.#agent.destroy();
    this.onclose?.();
  }

  /** One request; resolves with the answer's head (its body not read yet). */
  #exchange(method: 'POST' | 'GET', body?: string): Promise<IncomingMessage> {
    const headers: Record<string, string> = {
      ...this.headers,
      accept: method === 'POST' ? 'application/json, text/event-stream' : 'text/event-stream',
    };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    if (this.sessionId !== undefined) headers['mcp-session-id'] = this.sessionId;
    if (this.#protocolVersion !== undefined)
      headers['mcp-protocol-version'] = this.#protocolVersion;
    return new Promise((resolve, reject) => {
      const req = this.#request({ ...this.#target, method, headers, agent: this.#agent });
      this.#open.add(req);
      req.once('close', () => this.#open.delete(req));
      req.once('error', reject);
      req.once('response', resolve);
      if (method === 'GET') this.#getStream = req;
      req.end(body);
    });
  }

  /** An answer that is not MCP, for the message of a failed connection. */
  #record(method: string, response: IncomingMessage, firstLine: string): void {
    this.onAnswer?.({
      method,
      status: response.statusCode ?? 0,
      statusText: response.statusMessage ?? '',
      contentType: response.headers['content-type'] ?? '',
      firstLine,
    });
  }

  /** Hands each message of an SSE body to the client as its event arrives; resolves at its end. */
  #readEvents(response: IncomingMessage): Promise<void> {
    const parser = createParser({
      onEvent: (event) => {
        if (event.data === '' || (event.event !== undefined && event.event !== 'message')) return;
        let data: unknown;
        try {
          data = JSON.parse(event.data);
        } catch (error) {
          this.onerror?.(new Error(`an SSE event that is not JSON: ${(error as Error).message}`));
          return;
        }
        this.#deliver(data);
      },
    });
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => parser.feed(chunk));
    return new Promise((resolve) => {
      response.once('end', resolve);
      response.once('close', resolve);
      response.once('error', (error) => {
        if (!this.#closed) this.onerror?.(new Error(`SSE stream disconnected: ${error.message}`));
        resolve();
      });
    });
  }

  /**
   * The SDK's protocol layer runs a notification's handler a microtask after it arrives, and a
   * response's at once: a call's progress and its result, read from one chunk, would otherwise
   * reach it result first and the progress be dropped (its handler gone). So each message is handed
   * on a microtask after the one before, in order.
   */
  #deliver(item: unknown): void {
    this.#delivered = this.#delivered
      .then(() => this.#hand(item))
      .catch((error: unknown) => this.onerror?.(error as Error));
  }

  /**
   * The protocol layer classifies each message and checks each result against its method's
   * schema; here only what every JSON-RPC message has is checked (a second full parse was
   * measurable per call).
   */
  #hand(item: unknown): void {
    if (
      typeof item !== 'object' ||
      item === null ||
      (item as { jsonrpc?: unknown }).jsonrpc !== '2.0'
    ) {
      this.onerror?.(
        new Error(
          `the server sent something that is not JSON-RPC: ${JSON.stringify(item)?.slice(0, 200)}`,
        ),
      );
      return;
    }
    this.onmessage?.(item as JSONRPCMessage);
  }

  /**
   * The GET stream carries what the server sends outside a call (list_changed, its own requests).
   * 405: the server offers none. If it ends or fails, it is opened again after a backoff, until
   * close(); a 404 (the session is gone) or an auth error ends the attempts.
   */
  #openGetStream(): void {
    if (this.#closed || this.#getStream !== undefined) return;
    void this.#exchange('GET').then(
      async (response) => {
        const status = response.statusCode ?? 0;
        if (status === 405) {
          response.resume();
          return;
        }
        if (status < 200 || status > 299) {
          const text = await readText(response, MAX_ERROR_BODY).catch(() => '');
          this.#getStream = undefined;
          this.onerror?.(
            new StreamableHTTPError(
              status,
              `Failed to open SSE stream: ${text || response.statusMessage}`,
            ),
          );
          if (![401, 403, 404].includes(status)) this.#reopenGetStream();
          return;
        }
        this.#getFailures = 0;
        await this.#readEvents(response);
        this.#getStream = undefined;
        this.#reopenGetStream();
      },
      (error: unknown) => {
        this.#getStream = undefined;
        if (this.#closed) return;
        this.onerror?.(error instanceof Error ? error : new Error(String(error)));
        this.#reopenGetStream();
      },
    );
  }

  #reopenGetStream(): void {
    if (this.#closed) return;
    const delay = Math.min(GET_RETRY_MS * 2 ** this.#getFailures++, GET_RETRY_MAX_MS);
    this.#getRetry = setTimeout(() => this.#openGetStream(), delay);
    this.#getRetry.unref();
  }
}

/** The body as text, at most `limit` characters of it. */
function readText(response: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      text += chunk;
      if (text.length >= limit) {
        response.destroy();
        resolve(text.slice(0, limit));
      }
    });
    response.once('end', () => resolve(text));
    response.once('error', reject);
  });
}

function abortError(): Error {
  const error = new Error('This operation was aborted');
  error.name = 'AbortError';
  return error;
}
