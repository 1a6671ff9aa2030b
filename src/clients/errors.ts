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
