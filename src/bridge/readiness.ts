import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ExitInfo, type Launch, ServerProcess } from '../server/process.js';
import { ChildStdioTransport } from '../server/stdio-transport.js';

export interface Readiness {
  ready: boolean;
  /** The server's name and version, as its initialize answer gives them. */
  server?: string;
  error?: string;
}

/**
 * Whether the command serves MCP now: a fresh child of it answers initialize and ping within
 * `timeoutMs`, then is stopped. A fresh one, not a session's: what a new client would get. Calls
 * that come while one check runs share it (Kubernetes probes every pod often).
 */
export class ReadinessCheck {
  #running: Promise<Readiness> | undefined;

  constructor(
    readonly launch: Launch,
    readonly timeoutMs: number,
  ) {}

  check(): Promise<Readiness> {
    this.#running ??= this.#check().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #check(): Promise<Readiness> {
    const child = new ServerProcess(this.launch, { onStderrLine: () => undefined });
    const client = new Client({ name: 'mcpx-bridge-readyz', version: '0.0.0' });
    const transport = new ChildStdioTransport(child.child, () => undefined);
    const ended = child.exited.then((exit) => exit);
    const options = { timeout: this.timeoutMs };
    try {
      const up = (async () => {
        await client.connect(transport, options);
        await client.ping(options);
      })();
      up.catch(() => undefined);
      await Promise.race([up, ended.then((exit) => Promise.reject(exitError(exit, child)))]);
      const info = client.getServerVersion();
      return { ready: true, server: `${info?.name ?? '?'} ${info?.version ?? '?'}` };
    } catch (error) {
      // "Connection closed" says less than the exit and the last stderr lines, which follow it.
      const exit = await Promise.race([ended, sleep(EXIT_GRACE_MS).then(() => undefined)]);
      const why = exit === undefined ? error : exitError(exit, child);
      return { ready: false, error: why instanceof Error ? why.message : String(why) };
    } finally {
      await child.stop({ graceMs: 1000, termMs: 1000 });
    }
  }
}

/** How long a failed check waits for the child's exit, to report it rather than a closed pipe. */
const EXIT_GRACE_MS = 1000;

function exitError(exit: ExitInfo, child: ServerProcess): Error {
  const how = exit.signal === null ? `exit code ${String(exit.code)}` : `signal ${exit.signal}`;
  const tail = child.stderrTail.slice(-3).join(' | ');
  return new Error(
    exit.error?.message ?? `the server process ended (${how})${tail === '' ? '' : `: ${tail}`}`,
  );
}
