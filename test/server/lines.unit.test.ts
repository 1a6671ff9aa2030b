import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readLines } from '../../src/server/lines.js';

/** Feeds `chunks` through readLines with `maxLine`; the lines it handed on, with their cut flag. */
async function linesOf(chunks: (string | Buffer)[], maxLine: number): Promise<[string, boolean][]> {
  const stream = new PassThrough();
  const seen: [string, boolean][] = [];
  const done = readLines(stream, (line, cut) => void seen.push([line, cut]), maxLine);
  for (const chunk of chunks) stream.write(chunk);
  stream.end();
  await done;
  return seen;
}

describe('readLines', () => {
  it('joins a line split over chunks, drops the \\r of CRLF, and hands on a last line without newline', async () => {
    expect(await linesOf(['ab', 'c\r\nde', 'f\n', 'gh'], 100)).toEqual([
      ['abc', false],
      ['def', false],
      ['gh', false],
    ]);
  });

  it('keeps a character whose UTF-8 bytes come in two chunks whole', async () => {
    const bytes = Buffer.from('é\n');
    expect(await linesOf([bytes.subarray(0, 1), bytes.subarray(1)], 100)).toEqual([['é', false]]);
  });

  it('keeps a line of exactly maxLine whole; a longer one is cut once, marked, and the rest of it dropped', async () => {
    expect(await linesOf(['12345\n'], 5)).toEqual([['12345', false]]);
    expect(await linesOf(['123', '456', '789\nnext\n'], 5)).toEqual([
      ['12345 [line cut at 5 characters]', true],
      ['next', false],
    ]);
    expect(await linesOf(['1234567'], 5)).toEqual([['12345 [line cut at 5 characters]', true]]);
  });

  it('reads a line of 10 million characters in 64 KiB chunks whole', async () => {
    const line = 'x'.repeat(10_000_000);
    const chunks: string[] = [];
    for (let i = 0; i < line.length; i += 65_536) chunks.push(line.slice(i, i + 65_536));
    const seen = await linesOf([...chunks, '\n'], 64 * 1024 * 1024);
    expect(seen).toHaveLength(1);
    expect(seen[0]![0].length).toBe(10_000_000);
  });
});
