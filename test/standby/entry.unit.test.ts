import { expect, it } from 'vitest';
import { nodeEntry } from '../../src/standby/entry.js';

const node = process.execPath;

it("finds the entry script of mcpx's own node, with its args and the node flags before it", () => {
  expect(nodeEntry(node, ['src/http.ts', '--port', '1'])).toEqual({
    nodeFlags: [],
    entry: 'src/http.ts',
    args: ['--port', '1'],
  });
  expect(nodeEntry(node, ['--enable-source-maps', '--env-file=.env', 'main.js'])).toEqual({
    nodeFlags: ['--enable-source-maps', '--env-file=.env'],
    entry: 'main.js',
    args: [],
  });
});

it('has none for other commands, no script, eval, watch, or a flag whose value may be the next argument', () => {
  expect(nodeEntry('npx', ['server.js'])).toBeUndefined();
  expect(nodeEntry('/usr/bin/python3', ['server.py'])).toBeUndefined();
  expect(nodeEntry(node, [])).toBeUndefined();
  expect(nodeEntry(node, ['-e', 'run()'])).toBeUndefined();
  expect(nodeEntry(node, ['--watch', 'main.js'])).toBeUndefined();
  expect(nodeEntry(node, ['--import', 'tsx', 'main.ts'])).toBeUndefined();
  expect(nodeEntry(node, ['-r', 'dotenv/config', 'main.js'])).toBeUndefined();
  expect(nodeEntry(node, ['-'])).toBeUndefined();
});
