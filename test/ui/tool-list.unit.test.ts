import { describe, expect, it } from 'vitest';
import { formatToolList } from '../../src/ui/tool-list.js';

const tools = [
  { name: 'a__x', description: 'Short.', inputSchema: { type: 'object' as const } },
  {
    name: 'b__longer_name',
    description: 'A description far longer than the room a narrow terminal leaves.\nMore.',
    inputSchema: { type: 'object' as const },
  },
  {
    name: 'b__esc',
    description: 'Bell \u0007 and \u001b]52;c;x\u0007',
    inputSchema: { type: 'object' as const },
  },
];

describe('formatToolList', () => {
  it('groups by prefix, aligns names, keeps the first line, and shows control characters escaped', () => {
    expect(formatToolList(tools)).toBe(
      [
        'a',
        '  a__x            Short.',
        '',
        'b',
        '  b__longer_name  A description far longer than the room a narrow terminal leaves.',
        '  b__esc          Bell \\x07 and \\x1b]52;c;x\\x07',
      ].join('\n'),
    );
  });

  it('cuts descriptions to the terminal width when given one', () => {
    const lines = formatToolList(tools, 40).split('\n');
    expect(lines[4]).toBe('  b__longer_name  A description far lon…');
    expect(lines.every((line) => line.length <= 40)).toBe(true);
  });
});
