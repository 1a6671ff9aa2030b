import { readdir, readFile } from 'node:fs/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer } from '../src/server.ts';

const DATA = new URL('../data/', import.meta.url);

/** The slugs of data/, worked out independently of the server: the tests hold whatever it holds. */
const SLUGS = (await readdir(DATA))
  .filter((file) => file.endsWith('.md'))
  .map((file) => file.slice(0, -'.md'.length))
  .sort();

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

it('has documents to serve', () => {
  expect(SLUGS.length).toBeGreaterThan(0);
});

it('lists the index and every document', async () => {
  const { resources } = await client.listResources();
  expect(resources.map((resource) => resource.uri)).toEqual(
    expect.arrayContaining(['docs://index', ...SLUGS.map((slug) => `docs://${slug}`)]),
  );
  for (const slug of SLUGS) {
    expect(resources.find((resource) => resource.uri === `docs://${slug}`)).toMatchObject({
      name: slug,
      title: expect.any(String),
      mimeType: 'text/markdown',
    });
  }
});

it('lists the docs://{slug} template', async () => {
  const { resourceTemplates } = await client.listResourceTemplates();
  expect(resourceTemplates).toContainEqual(
    expect.objectContaining({
      name: 'doc',
      uriTemplate: 'docs://{slug}',
      mimeType: 'text/markdown',
    }),
  );
});

it('serves the index as JSON, titled by each document’s first heading', async () => {
  const { mimeType, text } = await read('docs://index');
  expect(mimeType).toBe('application/json');
  const { docs } = JSON.parse(text) as { docs: { slug: string; title: string }[] };
  expect(docs.map((doc) => doc.slug)).toEqual(SLUGS);
  for (const doc of docs) {
    const markdown = await readFile(new URL(`${doc.slug}.md`, DATA), 'utf8');
    expect(doc).toEqual({
      slug: doc.slug,
      uri: `docs://${doc.slug}`,
      title: /^# (.+)$/m.exec(markdown)?.[1] ?? doc.slug,
      description: expect.any(String),
    });
  }
});

describe('docs://{slug}', () => {
  it.each(SLUGS)('serves %s as markdown, as it is on disk', async (slug) => {
    const { mimeType, text } = await read(`docs://${slug}`);
    expect(mimeType).toBe('text/markdown');
    expect(text).toBe(await readFile(new URL(`${slug}.md`, DATA), 'utf8'));
  });

  it.each([
    'docs://no-such-document',
    'docs://..%2Fpackage',
    'docs://../package.json',
    'docs://Glossary',
    'docs://glossary.md',
  ])('answers %s with resource not found', async (uri) => {
    await expect(client.readResource({ uri })).rejects.toMatchObject({
      code: ErrorCode.InvalidParams,
      message: expect.stringContaining(`Resource ${uri} not found`),
    });
  });

  it('completes slugs', async () => {
    const [first = ''] = SLUGS;
    const { completion } = await client.complete({
      ref: { type: 'ref/resource', uri: 'docs://{slug}' },
      argument: { name: 'slug', value: first.slice(0, 1) },
    });
    expect(completion.values).toEqual(SLUGS.filter((slug) => slug.startsWith(first.slice(0, 1))));
    expect(completion.values).toContain(first);
  });
});
