import { readFile } from 'node:fs/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { GetPromptResult } from '@modelcontextprotocol/sdk/types.js';
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

/** The texts of a prompt's messages, checking that each is a user message with one text. */
function texts(result: GetPromptResult): string[] {
  return result.messages.map((message) => {
    expect(message.role).toBe('user');
    if (message.content.type !== 'text') throw new Error('expected text content');
    return message.content.text;
  });
}

async function complete(prompt: string, argument: string, value: string): Promise<string[]> {
  const { completion } = await client.complete({
    ref: { type: 'ref/prompt', name: prompt },
    argument: { name: argument, value },
  });
  return completion.values;
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

it('lists its prompts with described arguments', async () => {
  const { prompts } = await client.listPrompts();
  const summaries = prompts.map(({ name, title, arguments: args }) => ({ name, title, args }));
  expect(summaries).toEqual(
    expect.arrayContaining([
      {
        name: 'summarize',
        title: 'Summarize',
        args: [
          { name: 'text', description: 'The text to summarize.', required: true },
          { name: 'style', description: expect.any(String), required: false },
          { name: 'max_words', description: expect.any(String), required: false },
        ],
      },
      {
        name: 'review_code',
        title: 'Review code',
        args: [
          { name: 'code', description: 'The code to review.', required: true },
          { name: 'language', description: expect.any(String), required: true },
          { name: 'focus', description: expect.any(String), required: false },
        ],
      },
    ]),
  );
});

describe('summarize', () => {
  it('puts the text first and the request last', async () => {
    const result = await client.getPrompt({ name: 'summarize', arguments: { text: 'MCP is…' } });
    const [material, request] = texts(result);
    expect(material).toBe('<text>\nMCP is…\n</text>');
    expect(request).toMatch(/^Summarize the text above\.\nWrite one paragraph/);
    expect(request).not.toMatch(/at most/);
  });

  it('applies style and length', async () => {
    const result = await client.getPrompt({
      name: 'summarize',
      arguments: { text: 'MCP is…', style: 'bullets', max_words: '50' },
    });
    expect(result.description).toBe('Summary of a text as bullets');
    expect(texts(result)[1]).toMatch(/bulleted list[\s\S]*Use at most 50 words\./);
  });

  it('rejects invalid arguments', async () => {
    await expect(
      client.getPrompt({ name: 'summarize', arguments: { text: 'x', max_words: 'many' } }),
    ).rejects.toMatchObject({ code: ErrorCode.InvalidParams });
    await expect(
      client.getPrompt({ name: 'summarize', arguments: { text: 'x', style: 'haiku' } }),
    ).rejects.toMatchObject({ code: ErrorCode.InvalidParams });
  });

  it('completes styles', async () => {
    expect(await complete('summarize', 'style', '')).toEqual(['paragraph', 'bullets', 'tldr']);
    expect(await complete('summarize', 'style', 'b')).toEqual(['bullets']);
  });
});

describe('review_code', () => {
  it('fences the code and asks for a review of every aspect', async () => {
    const result = await client.getPrompt({
      name: 'review_code',
      arguments: { code: 'const a = `x`;', language: 'typescript' },
    });
    const [material, request] = texts(result);
    expect(material).toBe('```typescript\nconst a = `x`;\n```');
    expect(request).toMatch(/^Review the typescript code above\.\n/);
    expect(request?.split('\n').filter((line) => line.startsWith('- '))).toHaveLength(5);
  });

  it('focuses the review and fences code that contains fences', async () => {
    const code = 'Use ```js fences``` here';
    const result = await client.getPrompt({
      name: 'review_code',
      arguments: { code, language: 'markdown', focus: 'security' },
    });
    const [material, request] = texts(result);
    expect(material).toBe(`\`\`\`\`markdown\n${code}\n\`\`\`\``);
    expect(request).toMatch(/focusing on security\.\n- Can untrusted input/);
    expect(request?.split('\n').filter((line) => line.startsWith('- '))).toHaveLength(1);
  });

  it('completes languages and focuses', async () => {
    expect(await complete('review_code', 'language', 'Ja')).toEqual(['java', 'javascript']);
    expect(await complete('review_code', 'focus', 'se')).toEqual(['security']);
  });
});
