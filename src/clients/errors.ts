import { isDeepStrictEqual } from 'node:util';
import { ExitCode, McpxError } from '../errors.js';
import { positionAt } from '../manifest/json-text.js';

/**
 * A client's file that mcpx will not touch: `file:line:column` and what is wrong there. Nothing is
 * written, so the user's file (and whatever the client made of it) stays as it was.
 */
export function malformedConfig(
  file: string,
  text: string,
  offset: number,
  problem: string,
): McpxError {
  const { line, column } = positionAt(text, offset);
  return malformedAt(file, line, column, problem);
}

export function malformedAt(
  file: string,
  line: number,
  column: number,
  problem: string,
): McpxError {
  return new McpxError(`${file}:${line}:${column}: ${problem}. mcpx left the file unchanged.`, {
    hint: 'fix the file (your client could not read it either), or move it away, and run the command again',
    exitCode: ExitCode.usage,
  });
}

/**
 * The check after an upsert, for every format: the edit is text surgery, so the entry as the
 * client would read it back must be the one meant; anything else is a bug in mcpx, never written.
 */
export function assertWritten(file: string, name: string, written: unknown, entry: unknown): void {
  if (!isDeepStrictEqual(written, entry)) {
    throw new Error(`editing ${file} did not produce the entry "${name}" it was meant to`);
  }
}
