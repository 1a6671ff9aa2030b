import type { ChildProcess } from 'node:child_process';
import { serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { type JSONRPCMessage, JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import { readLines } from './lines.js';

/**
 * An MCP client transport over the stdin/stdout of a child that the supervisor spawned itself (in
 * its own process group, which the SDK's StdioClientTransport does not do). Every stdout line that
 * is not a JSON-RPC message is reported through `onPollution` instead of breaking the session:
 * on stdio, stdout is the protocol, and a stray console.log is the most common MCP bug.
 */
export class ChildStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  /** Set by the SDK Client after initialize. */
  protocolVersion: string | undefined;
  #closed = false;

  constructor(
    readonly child: ChildProcess,
    readonly onPollution: (line: string) => void,
  ) {}

  async start(): Promise<void> {
    const { stdout, stdin } = this.child;
    if (stdout === null || stdin === null)
      throw new Error('the child was spawned without stdio pipes');
    stdin.on('error', (error) => this.onerror?.(error));
    void readLines(stdout, (line) => {
      if (line.trim() === '') return;
      let message: JSONRPCMessage;
      try {
        message = JSONRPCMessageSchema.parse(JSON.parse(line));
      } catch {
        this.onPollution(line);
        return;
      }
      // The SDK 1.x Client runs a notification's handler a microtask later but settles a request
      // as its response comes, forgetting the request's progress handler: a server's last progress
      // notifications, read in one chunk with its result, would be dropped as "unknown token"
      // (typescript-sdk#2580). A response a microtask later keeps the order the server wrote.
      if ('result' in message || 'error' in message)
        queueMicrotask(() => this.onmessage?.(message));
      else this.onmessage?.(message);
    }).then(
      () => this.#finish(),
      (error: unknown) => this.onerror?.(error instanceof Error ? error : new Error(String(error))),
    );
    this.child.once('exit', () => this.#finish());
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      const stdin = this.child.stdin;
      if (this.#closed || stdin === null || stdin.destroyed) {
        reject(new Error('the server process is not running'));
        return;
      }
      const ok = stdin.write(serializeMessage(message), (error) =>
        error ? reject(error) : undefined,
      );
      if (ok) resolve();
      else stdin.once('drain', resolve);
    });
  }

  setProtocolVersion(version: string): void {
    this.protocolVersion = version;
  }

  /** Ends the child's stdin: the polite first step of stopping a stdio server. */
  async close(): Promise<void> {
    this.child.stdin?.end();
    this.#finish();
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.onclose?.();
  }
}
