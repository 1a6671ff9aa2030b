import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { McpxError } from '../../src/errors.ts';
import { formatBug, formatMcpxError } from '../../src/ui/errors.ts';

describe('formatMcpxError', () => {
  it('prints the message and, when there is one, the hint after "Try:"', () => {
    const error = new McpxError('No mcpx.json in /x.', { hint: 'run `mcpx init`' });
    expect(stripVTControlCharacters(formatMcpxError(error))).toBe(
      'Error: No mcpx.json in /x.\nTry: run `mcpx init`\n',
    );
    expect(stripVTControlCharacters(formatMcpxError(new McpxError('Bad.')))).toBe('Error: Bad.\n');
  });
});

describe('formatBug', () => {
  it('says it is a bug and gives the version, platform and stack for the report', () => {
    const error = new TypeError('x is undefined');
    const text = stripVTControlCharacters(formatBug(error, 'mcpx/0.1.0 linux-x64 node-v24.21.0'));
    const [headline, agent, stackTop] = text.split('\n');
    expect(headline).toContain('This is a bug in mcpx; please report it');
    expect(agent).toBe('mcpx/0.1.0 linux-x64 node-v24.21.0');
    expect(stackTop).toBe('TypeError: x is undefined');
    expect(text).toContain('errors.unit.test.ts');
  });

  it('prints a thrown non-Error as text', () => {
    expect(stripVTControlCharacters(formatBug('boom', 'mcpx/0.1.0'))).toMatch(
      /\nmcpx\/0\.1\.0\nboom\n$/,
    );
  });
});
