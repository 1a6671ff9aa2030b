import { readFile } from 'node:fs/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type {
  CallToolResult,
  LoggingMessageNotification,
} from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer } from '../src/server.ts';

let client: Client;

beforeEach(async () => {
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  client = new Client({ name: 'test', version: '0.0.0' });
  await Promise.all([createServer().connect(serverTransport), client.connect(clientTransport)]);
});

afterEach(async () => {
  await client.close();
});

async function call(name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

/** The text of a result's single text block. */
function textOf(result: CallToolResult): string {
  const [block] = result.content;
  if (block?.type !== 'text') throw new Error('expected one text block');
  return block.text;
}

/** A successful result carries its structured content, and the same JSON as text. */
function expectOutput(result: CallToolResult): Record<string, unknown> {
  expect(result.isError).toBeFalsy();
  expect(JSON.parse(textOf(result))).toEqual(result.structuredContent);
  return result.structuredContent ?? {};
}

it('identifies itself from package.json', async () => {
  const { name, version, description } = JSON.parse(
    await readFile(new URL('../package.json', import.meta.url), 'utf8'),
  ) as Record<string, string>;
  // Served under its unscoped name: `@workspace/weather` is `weather`, as in mcpx.json.
  expect(client.getServerVersion()).toMatchObject({
    name: name?.replace(/^@[^/]+\//, ''),
    version,
    description,
  });
  expect(client.getInstructions()).toBeTruthy();
});

it('lists its tools with titles, output schemas and annotations', async () => {
  const { tools } = await client.listTools();
  const samples = tools.filter((tool) =>
    ['count_words', 'hash_text', 'convert_units'].includes(tool.name),
  );
  expect(samples).toHaveLength(3);
  for (const tool of samples) {
    expect(tool.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    expect(tool.title).toBeTruthy();
    expect(tool.outputSchema).toBeDefined();
    expect(tool.annotations).toEqual({
      readOnlyHint: true,
      destructiveHint: false,
      idempotentHint: true,
      openWorldHint: false,
    });
  }
});

describe('count_words', () => {
  it('counts words, lines, characters and reading time', async () => {
    const output = expectOutput(
      await call('count_words', { text: 'The quick brown fox\njumps over the lazy dog.\n' }),
    );
    expect(output).toEqual({ words: 9, lines: 2, characters: 45, readingMinutes: 0 });
  });

  it('counts words without spaces and emoji as single characters', async () => {
    const output = expectOutput(await call('count_words', { text: '日本語のテキスト 👍🏽' }));
    expect(output).toMatchObject({ words: 3, lines: 1, characters: 10 });
  });

  it('estimates reading time', async () => {
    const output = expectOutput(await call('count_words', { text: 'word '.repeat(476) }));
    expect(output).toMatchObject({ words: 476, readingMinutes: 2 });
  });

  it('sends a log notification at the level the client asked for', async () => {
    const messages: LoggingMessageNotification['params'][] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
      messages.push(notification.params);
    });
    await client.setLoggingLevel('debug');
    await call('count_words', { text: 'one two' });
    await client.setLoggingLevel('info');
    await call('count_words', { text: 'three' });
    expect(messages).toEqual([
      {
        level: 'debug',
        logger: 'count_words',
        data: { message: 'counted words', words: 2, lines: 1, characters: 7, readingMinutes: 0 },
      },
    ]);
  });
});

describe('hash_text', () => {
  it('hashes with SHA-256 as hex by default', async () => {
    const output = expectOutput(await call('hash_text', { text: 'abc' }));
    expect(output).toEqual({
      algorithm: 'sha256',
      encoding: 'hex',
      digest: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    });
  });

  it('supports MD5 and base64', async () => {
    const output = expectOutput(
      await call('hash_text', { text: 'abc', algorithm: 'md5', encoding: 'base64' }),
    );
    expect(output).toMatchObject({ digest: 'kAFQmDzST7DWlj99KOF/cg==' });
  });

  it('reports an unknown algorithm as a tool error', async () => {
    const result = await call('hash_text', { text: 'abc', algorithm: 'sha3' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/sha256.*sha1.*md5/);
  });
});

describe('convert_units', () => {
  it.each([
    [100, 'C', 'F', 212],
    [32, 'F', 'C', 0],
    [0, 'K', 'C', -273.15],
    [1, 'mi', 'km', 1.609344],
    [0.1, 'm', 'mm', 100],
    [1, 'lb', 'g', 453.59237],
  ])('converts %d %s to %s', async (value, from, to, expected) => {
    const output = expectOutput(await call('convert_units', { value, from, to }));
    expect(output).toMatchObject({ value, from, to, result: expected });
  });

  it('refuses units of different quantities, naming the valid ones', async () => {
    const result = await call('convert_units', { value: 1, from: 'kg', to: 'm' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(
      'Cannot convert kg (mass) to m (length). Units of mass: mg, g, kg, t, oz, lb.',
    );
  });

  it('refuses temperatures below absolute zero', async () => {
    const result = await call('convert_units', { value: -300, from: 'C', to: 'K' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/below absolute zero/);
  });

  it('reports an unknown unit as a tool error', async () => {
    const result = await call('convert_units', { value: 1, from: 'parsec', to: 'm' });
    expect(result.isError).toBe(true);
  });
});
