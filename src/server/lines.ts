import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/** Longest line kept whole; a longer one is cut there and marked, so one runaway line cannot eat memory. */
export const MAX_LINE = 1024 * 1024;

/**
 * Reads `stream` as UTF-8 lines and hands each to `onLine` in order. When `onLine` returns promises
 * (log sinks that may be full), the stream is paused after the chunk until they settle: backpressure
 * reaches the child, whose writes then block, and no line is dropped. One pause per chunk, not per
 * line, keeps a flood cheap. Resolves when the stream has ended and every line was handled.
 */
export function readLines(
  stream: Readable,
  onLine: (line: string) => void | Promise<void>,
): Promise<void> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let chain: Promise<unknown> = Promise.resolve();

  const emit = (text: string): void => {
    const lines = (pending + text).split('\n');
    pending = lines.pop() ?? '';
    if (pending.length > MAX_LINE) {
      lines.push(`${pending.slice(0, MAX_LINE)} [line cut at ${MAX_LINE} characters]`);
      pending = '';
    }
    const waits: Promise<void>[] = [];
    for (const raw of lines) {
      const result = onLine(raw.endsWith('\r') ? raw.slice(0, -1) : raw);
      if (result !== undefined) waits.push(result);
    }
    if (waits.length > 0) {
      stream.pause();
      chain = chain.then(() => Promise.all(waits)).finally(() => stream.resume());
    }
  };

  return new Promise((resolve, reject) => {
    stream.on('data', (chunk: Buffer | string) =>
      emit(typeof chunk === 'string' ? chunk : decoder.write(chunk)),
    );
    stream.on('error', reject);
    stream.on('end', () => {
      const rest = pending + decoder.end();
      pending = '';
      const last = rest.length > 0 ? onLine(rest) : undefined;
      void chain.then(() => last).then(() => resolve(), reject);
    });
  });
}
