import type { ClientFiles, ConfigResult } from '../services/config.js';

/**
 * What `mcpx config <client>` prints on stdout: where the entry goes, then the entry.
 *
 *   Claude Code (project scope): /home/me/shop/.mcp.json
 *   {
 *     "mcpServers": { ... }
 *   }
 */
export function formatClientConfig(result: ConfigResult): string {
  return `${result.title} (${result.scope} scope): ${result.file}\n${result.snippet}`;
}

/** What goes to stderr: warnings, notes, the name check, and what was (not) written. */
export function clientConfigMessages(result: ConfigResult): string[] {
  const lines = result.warnings.map((w) => `warning: ${w}`);
  lines.push(...result.notes);
  const { names } = result;
  if (names.unchecked !== undefined) lines.push(names.unchecked);
  else if (names.problems.length === 0)
    lines.push(`All ${names.tools} tool names fit ${result.title}'s rules.`);
  if (!result.written) {
    lines.push(`Not written: paste it into ${result.file}, or run the command again with --write.`);
  } else if (!result.changed) {
    lines.push(`${result.file} already has this; nothing changed.`);
  } else {
    lines.push(
      `Wrote ${result.file}${result.backup === undefined ? '' : ` (its previous content is in ${result.backup})`}.`,
    );
  }
  return lines;
}

/**
 * `mcpx config --list`:
 *
 *   CLIENT          SCOPE    FILE                                   EXISTS
 *   claude-code     project  /home/me/shop/.mcp.json                yes
 */
export function formatClientList(clients: readonly ClientFiles[]): string {
  const rows = clients.flatMap((c) =>
    c.files.map((f) => [c.client, f.scope, f.file, f.exists ? 'yes' : 'no'] as const),
  );
  const header = ['CLIENT', 'SCOPE', 'FILE', 'EXISTS'] as const;
  const width = (i: number): number =>
    Math.max(...[header, ...rows].map((r) => (r[i] ?? '').length));
  const line = (r: readonly string[]): string =>
    r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(width(i)))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}
