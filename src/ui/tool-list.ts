import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { sanitizeText } from '../sanitize.js';
import { out } from './colors.js';

/**
 * The gateway's tools grouped by server prefix, each name as `mcpx call` takes it, with the first
 * line of its description, cut to `columns` (a terminal's width) when given:
 *
 * ```
 * text-kit
 *   text-kit__count_words  Counts the words of a text.
 *   text-kit__reverse      Reverses a text.
 * ```
 */
export function formatToolList(tools: readonly Tool[], columns?: number): string {
  if (tools.length === 0)
    return out.dim('The gateway lists no tools: no server is ready, or none has tools.');
  const groups = new Map<string, Tool[]>();
  for (const tool of tools) {
    const at = tool.name.indexOf('__');
    const prefix = at < 0 ? '' : tool.name.slice(0, at);
    groups.set(prefix, [...(groups.get(prefix) ?? []), tool]);
  }
  const width = Math.max(...tools.map((t) => sanitizeText(t.name).length));
  const lines: string[] = [];
  for (const [prefix, group] of groups) {
    if (lines.length > 0) lines.push('');
    lines.push(prefix === '' ? '(no prefix)' : sanitizeText(prefix));
    for (const tool of group) {
      const description = sanitizeText((tool.description ?? '').split('\n')[0] ?? '').trim();
      const name = `  ${sanitizeText(tool.name).padEnd(width)}  `;
      lines.push(`${name}${out.dim(fit(description, columns, name.length))}`.trimEnd());
    }
  }
  return lines.join('\n');
}

/** `text` cut with an ellipsis to what is left of a terminal line of `columns` after `used`. */
function fit(text: string, columns: number | undefined, used: number): string {
  if (columns === undefined) return text;
  const room = Math.max(columns - used, 10);
  return text.length <= room ? text : `${text.slice(0, room - 1)}…`;
}
