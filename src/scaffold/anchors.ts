/** Comment lines in scaffolded sources that mark where mcpx inserts imports and registrations. */
export const ANCHORS = { imports: '// mcpx:imports', register: '// mcpx:register' } as const;

export type AnchorName = keyof typeof ANCHORS;

/**
 * Inserts `line` above the anchor comment, with the anchor's indentation. Returns undefined when
 * the file has no such anchor (it was edited by hand), so the caller can say what to add instead.
 */
export function insertAtAnchor(text: string, anchor: AnchorName, line: string): string | undefined {
  const lines = text.split('\n');
  const index = lines.findIndex((l) => l.trimStart().startsWith(ANCHORS[anchor]));
  if (index === -1) return undefined;
  const indent = /^\s*/.exec(lines[index] ?? '')?.[0] ?? '';
  lines.splice(index, 0, indent + line);
  return lines.join('\n');
}
