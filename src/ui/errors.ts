import type { McpxError } from '../errors.js';
import { sanitizeText } from '../sanitize.js';
import { err } from './colors.js';

/**
 * ```
 * Error: "Weather" is not a valid server name: it has uppercase letters.
 * Try: use lowercase letters, digits, "-" or "_", e.g. `mcpx new server weather-data`
 * ```
 */
export function formatMcpxError(error: McpxError): string {
  // Messages quote what servers and files said (stderr, a manifest value): shown, never obeyed.
  const safe = (text: string): string => sanitizeText(text, { keepNewlines: true });
  const lines = [`${err.red.bold('Error:')} ${safe(error.message)}`];
  if (error.hint !== undefined) lines.push(`${err.cyan('Try:')} ${safe(error.hint)}`);
  return `${lines.join('\n')}\n`;
}

/**
 * An error mcpx did not expect: say it is a bug and show everything needed to fix it, starting with
 * which mcpx, on which platform and Node (oclif's user agent: `mcpx/0.1.0 linux-x64 node-v24.21.0`).
 */
export function formatBug(error: unknown, userAgent: string): string {
  const stack = error instanceof Error ? (error.stack ?? String(error)) : String(error);
  return (
    `${err.red.bold('mcpx hit an unexpected error. This is a bug in mcpx; please report it with the text below.')}\n` +
    `${userAgent}\n${sanitizeText(stack, { keepNewlines: true })}\n`
  );
}
