import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer } from '../src/server.ts';

const SLUGS = ['getting-started', 'glossary', 'mcp-roles'];

let client: Client;

beforeEach(async () => {
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  client = new Client({ name: 'test', version: '0.0.0' });
  await Promise.all([createServer().connect(serverTransport), client.connect(clientTransport)]);
});

afterEach(async () => {
  await client.close();
});

/** The text of a resource's only content. */
async function read(uri: string): Promise<{ mimeType: string | undefined; text: string }> {
  const { contents } = await client.readResource({ uri });
  expect(contents).toHaveLength(1);
  const [content] = contents;
  if (!content || !('text' in content)) throw new Error(`expected text content for ${uri}`);
  expect(content.uri).toBe(uri);
  return { mimeType: content.mimeType, text: content.text };
}

it('offers resources only', () => {
  expect(client.getServerVersion()?.name).toBe('mcpx-template-resources');
  const capabilities = client.getServerCapabilities();
  expect(capabilities?.resources).toBeDefined();
  expect(capabilities?.tools).toBeUndefined();
  expect(capabilities?.prompts).toBeUndefined();
});

it('lists the index and every document', async () => {
  const { resources } = await client.listResources();
  expect(resources.map((resource) => resource.uri)).toEqual([
    'docs://index',
    ...SLUGS.map((slug) => `docs://${slug}`),
  ]);
  expect(resources.find((resource) => resource.uri === 'docs://glossary')).toMatchObject({
    name: 'glossary',
    title: 'Glossary',
    mimeType: 'text/markdown',
  });
});

it('lists the docs://{slug} template', async () => {
  const { resourceTemplates } = await client.listResourceTemplates();
  expect(resourceTemplates).toEqual([
    expect.objectContaining({ name: 'doc', uriTemplate: 'docs://{slug}', mimeType: 'text/markdown' }),
  ]);
});

it('serves the index as JSON', async () => {
  const { mimeType, text } = await read('docs://index');
  expect(mimeType).toBe('application/json');
  const { docs } = JSON.parse(text) as { docs: { slug: string; title: string }[] };
  expect(docs.map((doc) => doc.slug)).toEqual(SLUGS);
  expect(docs[0]).toEqual({
    slug: 'getting-started',
    uri: 'docs://getting-started',
    title: 'Getting started',
    description: 'This server publishes the markdown files of its `data/` folder as MCP resources.',
  });
});

describe('docs://{slug}', () => {
  it.each(SLUGS)('serves %s as markdown', async (slug) => {
    const { mimeType, text } = await read(`docs://${slug}`);
    expect(mimeType).toBe('text/markdown');
    expect(text).toMatch(/^# \S/);
  });

  it.each(['docs://missing', 'docs://..%2Fpackage', 'docs://Glossary', 'docs://glossary.md'])(
    'answers %s with resource not found',
    async (uri) => {
      await expect(client.readResource({ uri })).rejects.toMatchObject({
        code: ErrorCode.InvalidParams,
        message: expect.stringContaining(`Resource ${uri} not found`),
      });
    },
  );

  it('completes slugs', async () => {
    const { completion } = await client.complete({
      ref: { type: 'ref/resource', uri: 'docs://{slug}' },
      argument: { name: 'slug', value: 'g' },
    });
    expect(completion.values).toEqual(['getting-started', 'glossary']);
  });
});
