import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Logger } from '../log.ts';
import type { Response } from './respond.ts';

interface Session {
  transport: StreamableHTTPServerTransport;
  server: McpServer;
  /** Requests of this session being answered (an open SSE stream counts until it closes). */
  busy: number;
  idleTimer: NodeJS.Timeout | undefined;
}

/**
 * The open sessions, at most `max` of them (0: no cap), each ended after `idleMs` without a
 * request (0: never). Without both, every client that initializes and walks away keeps its
 * server's memory for as long as the process lives.
 */
export class Sessions {
  readonly #open = new Map<string, Session>();
  /** Sessions whose initialize is being answered: they count towards the cap already. */
  #starting = 0;

  readonly max: number;
  readonly idleMs: number;
  readonly log: Logger;

  constructor(max: number, idleMs: number, log: Logger) {
    this.max = max;
    this.idleMs = idleMs;
    this.log = log;
  }

  get size(): number {
    return this.#open.size;
  }

  /** Whether a new session would go past the cap. */
  full(): boolean {
    return this.max > 0 && this.#open.size + this.#starting >= this.max;
  }

  /** Holds a place for a session while its initialize is answered; call the result when done. */
  reserve(): () => void {
    this.#starting++;
    let released = false;
    return () => {
      if (!released) this.#starting--;
      released = true;
    };
  }

  has(id: string): boolean {
    return this.#open.has(id);
  }

  add(id: string, transport: StreamableHTTPServerTransport, server: McpServer): void {
    this.#open.set(id, { transport, server, busy: 0, idleTimer: undefined });
    this.log.debug(`session ${id} started`);
  }

  remove(id: string): void {
    const session = this.#open.get(id);
    if (session === undefined) return;
    clearTimeout(session.idleTimer);
    this.#open.delete(id);
    this.log.debug(`session ${id} ended`);
    // The transport closed already; the server object holds the session's state until closed.
    void session.server.close().catch(() => {});
  }

  /** The transport of session `id`, marked busy until `res` closes; undefined if there is none. */
  use(id: string, res: Response): StreamableHTTPServerTransport | undefined {
    const session = this.#open.get(id);
    if (session === undefined) return undefined;
    this.#busy(id, session, res);
    return session.transport;
  }

  /** Marks a just-initialized session busy until its first response closes. */
  track(id: string, res: Response): void {
    const session = this.#open.get(id);
    if (session !== undefined) this.#busy(id, session, res);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.#open.values()].map((session) => session.transport.close()));
  }

  #busy(id: string, session: Session, res: Response): void {
    clearTimeout(session.idleTimer);
    session.idleTimer = undefined;
    session.busy++;
    res.once('close', () => {
      session.busy--;
      if (session.busy === 0 && this.idleMs > 0 && this.#open.get(id) === session) {
        session.idleTimer = setTimeout(() => {
          this.log.info(`session ${id} expired after ${this.idleMs} ms without a request`);
          void session.transport.close();
        }, this.idleMs);
        session.idleTimer.unref();
      }
    });
  }
}
