import { stripVTControlCharacters } from 'node:util';
import type { ListResult } from '../services/list.js';
import { sanitizeText } from '../sanitize.js';
import { out } from './colors.js';

/** Columns padded to the widest cell, measured without ANSI codes, so coloured cells align too. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const width = (cell: string): number => stripVTControlCharacters(cell).length;
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat((widths[i] ?? 0) - width(c))))
      .join('  ')
      .trimEnd();
  return [out.bold(line(header)), ...rows.map(line)].join('\n');
}

/**
 * ```
 * SERVER     ROLE       TRANSPORT  REPLICAS  LAUNCH
 * text-kit   tools      stdio      1         node src/stdio.ts  (servers/text-kit)
 * ```
 */
export function formatServerTable(result: ListResult): string {
  if (result.servers.length === 0) {
    return `No servers in ${result.manifest} yet. Add one with \`mcpx new server <name>\`.`;
  }
  // A cloned workspace's mcpx.json is not to be trusted with the terminal either.
  const safe = (text: string): string => sanitizeText(text);
  const rows = result.servers.map((s) => [
    safe(s.name),
    s.role ?? '-',
    s.transport,
    String(s.replicas),
    `${safe(s.launch)}${s.cwd === undefined ? '' : `  (${safe(s.cwd)})`}${s.disabled ? '  [disabled]' : ''}${s.problem === undefined ? '' : `  ${out.yellow(`! ${safe(s.problem)}`)}`}`,
  ]);
  return table(['SERVER', 'ROLE', 'TRANSPORT', 'REPLICAS', 'LAUNCH'], rows);
}
