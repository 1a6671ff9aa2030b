import type { ChildProcess } from 'node:child_process';
import { serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { type JSONRPCMessage, JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import { readLines } from './lines.js';

/**
 * The largest message read from a server's stdout. Far above the 1 MiB kept of a log line: an
 * answer carries whole resources and base64 images (a screenshot is megabytes), and one cut short
 * is lost, its request unanswered. The SDK's own stdio transport has no limit; this one keeps a
 * runaway line from taking all memory.
 */
export const MAX_MESSAGE = 64 * 1024 * 1024;

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
    /** A stdout line that is not a message: stray output, or (`oversize`) one over MAX_MESSAGE. */
    readonly onPollution: (line: string, oversize: boolean) => void,
  ) {}

  async start(): Promise<void> {
    const { stdout, stdin } = this.child;
    if (stdout === null || stdin === null)
      throw new Error('the child was spawned without stdio pipes');
    stdin.on('error', (error) => this.onerror?.(error));
    void readLines(
      stdout,
      (line, cut) => {
        if (cut) {
          // Not the server's stray output: an answer too large to take. The request it answers
          // fails at its timeout; the log says why.
          this.onPollution(line, true);
          return;
        }
        if (line.trim() === '') return;
        let message: JSONRPCMessage;
        try {
          message = JSONRPCMessageSchema.parse(JSON.parse(line));
        } catch {
          this.onPollution(line, false);
          return;
        }
        // The SDK 1.x Client runs a notification's handler a microtask later but settles a request
        // as its response comes, forgetting the request's progress handler: a server's last progress
        // notifications, read in one chunk with its result, would be dropped as "unknown token"
        // (typescript-sdk#2580). A response a microtask later keeps the order the server wrote.
        if ('result' in message || 'error' in message)
          queueMicrotask(() => this.onmessage?.(message));
        else this.onmessage?.(message);
      },
      MAX_MESSAGE,
    ).then(
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
