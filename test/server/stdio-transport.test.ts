// ChildStdioTransport with a real child process and the SDK's real Client.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { spawn } from 'node:child_process';
import { afterEach, expect, it } from 'vitest';
import { ChildStdioTransport } from '../../src/server/stdio-transport.js';
import { isAlive } from '../helpers/processes.js';

/**
 * A server that answers tools/call with its last progress notifications and the result in one
 * write, as a server does that reports its final step just before it returns: the reader gets them
 * in one chunk.
 */
const SERVER = `
const write = (...messages) => process.stdout.write(messages.map((m) => JSON.stringify({ jsonrpc: '2.0', ...m }) + '\\n').join(''));
require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
  const m = JSON.parse(line);
  if (m.method === 'initialize')
    write({ id: m.id, result: { protocolVersion: m.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'burst', version: '1' } } });
  if (m.method === 'tools/call') {
    const progressToken = m.params._meta.progressToken;
    write(
      { method: 'notifications/progress', params: { progressToken, progress: 1, total: 2 } },
      { method: 'notifications/progress', params: { progressToken, progress: 2, total: 2 } },
      { id: m.id, result: { content: [{ type: 'text', text: 'done' }] } },
    );
  }
});
`;

const children: number[] = [];
afterEach(() => {
  for (const pid of children.splice(0)) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
});

it('delivers progress that arrives together with the result before the result', async () => {
  const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child.pid ?? -1);
  const pollution: string[] = [];
  const client = new Client({ name: 'test', version: '1' });
  const errors: string[] = [];
  client.onerror = (error) => errors.push(error.message);
  await client.connect(new ChildStdioTransport(child, (line) => pollution.push(line)));
  const steps: number[] = [];
  const result = await client.request(
    { method: 'tools/call', params: { name: 'work', arguments: {} } },
    CallToolResultSchema,
    { onprogress: (progress) => steps.push(progress.progress) },
  );
  expect(result.content).toEqual([{ type: 'text', text: 'done' }]);
  // The SDK 1.x Client handles a notification a microtask late but a response at once, and forgets
  // the request's progress handler with the response: read in one chunk, the last steps were lost
  // (typescript-sdk#2580).
  expect(steps).toEqual([1, 2]);
  expect(errors).toEqual([]);
  expect(pollution).toEqual([]);
  await client.close();
});
