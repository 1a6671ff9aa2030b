import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { type ExitInfo, type Launch, ServerProcess } from '../server/process.js';
import { ChildStdioTransport } from '../server/stdio-transport.js';

export interface Readiness {
  ready: boolean;
  /** The server's name and version, as its initialize answer gives them. */
  server?: string;
  error?: string;
}

interface Probe {
  child: ServerProcess;
  client: Client;
  server: string;
}

/**
 * Whether the command serves MCP now: one process of it of its own, started with the bridge and
 * initialized once, answers a ping within `timeoutMs`. A probe that fails (no answer, the process
 * ended) is stopped, and the next check starts a fresh one: a check costs a ping, not a start,
 * which under load takes longer than a Kubernetes probe waits. Calls that come while one check
 * runs share it.
 */
export class ReadinessCheck {
  #probe: Promise<Probe> | undefined;
  #running: Promise<Readiness> | undefined;
  #closed = false;

  constructor(
    readonly launch: Launch,
    readonly timeoutMs: number,
  ) {}

  /** Starts the probe's process ahead of the first check. */
  warm(): void {
    void this.#connected().catch(() => undefined);
  }

  check(): Promise<Readiness> {
    this.#running ??= this.#check().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const probe = await this.#probe?.catch(() => undefined);
    this.#probe = undefined;
    await probe?.child.stop({ graceMs: 1000, termMs: 1000 });
  }

  #connected(): Promise<Probe> {
    if (this.#closed) return Promise.reject(new Error('the bridge stops'));
    this.#probe ??= this.#start();
    return this.#probe;
  }

  async #check(): Promise<Readiness> {
    const probe = this.#connected();
    try {
      const { client, child, server } = await probe;
      if (child.exitInfo !== undefined) throw exitError(child.exitInfo, child);
      await client.ping({ timeout: this.timeoutMs });
      return { ready: true, server };
    } catch (error) {
      if (this.#probe === probe) this.#probe = undefined;
      const failed = await probe.catch(() => undefined);
      await failed?.child.stop({ graceMs: 1000, termMs: 1000 });
      return { ready: false, error: error instanceof Error ? error.message : String(error) };
    }
  }

  async #start(): Promise<Probe> {
    const child = new ServerProcess(this.launch, { onStderrLine: () => undefined });
    const client = new Client({ name: 'mcpx-bridge-readyz', version: '0.0.0' });
    const transport = new ChildStdioTransport(child.child, () => undefined);
    try {
      await client.connect(transport, { timeout: this.timeoutMs });
    } catch (error) {
      // "Connection closed" says less than the exit and the last stderr lines, which follow it.
      const exit = await Promise.race([child.exited, sleep(EXIT_GRACE_MS).then(() => undefined)]);
      await child.stop({ graceMs: 1000, termMs: 1000 });
      throw exit === undefined ? error : exitError(exit, child);
    }
    const info = client.getServerVersion();
    return { child, client, server: `${info?.name ?? '?'} ${info?.version ?? '?'}` };
  }
}

/** How long a failed start waits for the process's exit, to report it rather than a closed pipe. */
const EXIT_GRACE_MS = 1000;

function exitError(exit: ExitInfo, child: ServerProcess): Error {
  const how = exit.signal === null ? `exit code ${String(exit.code)}` : `signal ${exit.signal}`;
  const tail = child.stderrTail.slice(-3).join(' | ');
  return new Error(
    exit.error?.message ?? `the server process ended (${how})${tail === '' ? '' : `: ${tail}`}`,
  );
}
