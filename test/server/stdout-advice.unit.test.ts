import { describe, expect, it } from 'vitest';
import { stdoutAdvice } from '../../src/server/stdout-advice.js';

describe('stdoutAdvice', () => {
  it('tells a Python server about sys.stderr and logging, not console.error', () => {
    for (const [command, args] of [
      ['python3', ['server.py']],
      ['/usr/bin/python3.12', ['-m', 'weather']],
      ['uv', ['run', 'server.py']],
      ['uvx', ['mcp-server-fetch']],
      ['sh', ['-c', 'exec python3 server.py']],
    ] as const) {
      const advice = stdoutAdvice(command, args);
      expect(advice, command).toContain('file=sys.stderr');
      expect(advice).not.toContain('console.error');
    }
  });

  it('tells a Node server about console.error', () => {
    expect(stdoutAdvice(process.execPath, ['src/stdio.ts'])).toContain('console.error');
    expect(stdoutAdvice('npx', ['-y', '@modelcontextprotocol/server-memory'])).toContain(
      'console.error',
    );
  });

  it('says only "stderr" for anything else', () => {
    expect(stdoutAdvice('./server', [])).toBe('write logs to stderr');
  });
});
