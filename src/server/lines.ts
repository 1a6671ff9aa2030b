import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/** Longest line kept whole; a longer one is cut there and marked, so one runaway line cannot eat memory. */
export const MAX_LINE = 1024 * 1024;

/**
 * Reads `stream` as UTF-8 lines and hands each to `onLine` in order. When `onLine` returns promises
 * (log sinks that may be full), the stream is paused after the chunk until they settle: backpressure
 * reaches the child, whose writes then block, and no line is dropped. One pause per chunk, not per
 * line, keeps a flood cheap. Resolves when the stream has ended and every line was handled.
 *
 * A line longer than `maxLine` characters is handed on cut there and marked so, with `cut` true,
 * and the rest of it, up to its newline, is dropped. A long line's pieces are kept in a list and joined once, so a
 * line of megabytes read in small chunks costs time in proportion to its length.
 */
export function readLines(
  stream: Readable,
  onLine: (line: string, cut: boolean) => void | Promise<void>,
  maxLine = MAX_LINE,
): Promise<void> {
  const decoder = new StringDecoder('utf8');
  /** The line being read, in pieces, and its length so far. */
  let pieces: string[] = [];
  let length = 0;
  /** It went past maxLine: handed on already; the rest of it is skipped. */
  let skipping = false;
  let chain: Promise<unknown> = Promise.resolve();

  /** Adds `piece` to the line being read; the cut line, once it is too long. */
  const add = (piece: string): string | undefined => {
    if (skipping || piece === '') return undefined;
    if (length + piece.length <= maxLine) {
      pieces.push(piece);
      length += piece.length;
      return undefined;
    }
    const line = `${pieces.join('')}${piece.slice(0, maxLine - length)} [line cut at ${maxLine} characters]`;
    pieces = [];
    length = 0;
    skipping = true;
    return line;
  };

  const emit = (text: string): void => {
    const lines: [string, boolean][] = [];
    let start = 0;
    for (let end = text.indexOf('\n'); ; end = text.indexOf('\n', start)) {
      const cut = add(end === -1 ? text.slice(start) : text.slice(start, end));
      if (cut !== undefined) lines.push([cut, true]);
      if (end === -1) break;
      if (!skipping) lines.push([pieces.join(''), false]);
      pieces = [];
      length = 0;
      skipping = false;
      start = end + 1;
    }
    const waits: Promise<void>[] = [];
    for (const [raw, cut] of lines) {
      const result = onLine(!cut && raw.endsWith('\r') ? raw.slice(0, -1) : raw, cut);
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
      const cut = add(decoder.end());
      const rest = skipping ? '' : pieces.join('');
      pieces = [];
      const last =
        cut !== undefined ? onLine(cut, true) : rest.length > 0 ? onLine(rest, false) : undefined;
      void chain.then(() => last).then(() => resolve(), reject);
    });
  });
}
