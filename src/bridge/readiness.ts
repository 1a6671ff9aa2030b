import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { type Launch, ServerProcess } from '../server/process.js';
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
    const exited = child.exited.then((exit) => {
      throw new Error(
        exit.error?.message ??
          `the server process ended (${exit.signal ?? `exit code ${String(exit.code)}`}): ${child.stderrTail.slice(-3).join(' | ')}`,
      );
    });
    const options = { timeout: this.timeoutMs };
    try {
      await Promise.race([
        (async () => {
          await client.connect(transport, options);
          await client.ping(options);
        })(),
        exited,
      ]);
      const info = client.getServerVersion();
      return { ready: true, server: `${info?.name ?? '?'} ${info?.version ?? '?'}` };
    } catch (error) {
      return { ready: false, error: error instanceof Error ? error.message : String(error) };
    } finally {
      exited.catch(() => undefined);
      await child.stop({ graceMs: 1000, termMs: 1000 });
    }
  }
}
