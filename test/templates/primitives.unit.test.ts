// The files `mcpx new tool|resource|prompt` copies and edits: they must work as they are, carry
// placeholders that a token-wise replacement can fill completely, and keep the anchors the CLI
// inserts lines above.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { registerTemplateName as registerPrompt } from '../../templates/primitives/prompt.ts';
import { registerPrompts } from '../../templates/primitives/prompts-index.ts';
import { registerTemplateName as registerResource } from '../../templates/primitives/resource.ts';
import { registerResources } from '../../templates/primitives/resources-index.ts';
import { registerTemplateName as registerTool } from '../../templates/primitives/tool.ts';
import { registerTools } from '../../templates/primitives/tools-index.ts';

const TEMPLATES = new URL('../../templates/', import.meta.url);

function read(path: string): Promise<string> {
  return readFile(fileURLToPath(new URL(path, TEMPLATES)), 'utf8');
}

let client: Client | undefined;

afterEach(async () => {
  await client?.close();
  client = undefined;
});

/** A client connected to a server on which `register` ran. */
async function connect(register: (server: McpServer) => void): Promise<Client> {
  const server = new McpServer({ name: 'primitives-test', version: '0.0.0' });
  register(server);
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  client = new Client({ name: 'test', version: '0.0.0' });
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  return client;
}

describe('primitive templates, as they are', () => {
  it('tool.ts registers a working tool with structured output', async () => {
    const client = await connect(registerTool);
    const { tools } = await client.listTools();
    expect(tools).toEqual([
      expect.objectContaining({
        name: 'template_name',
        title: 'Template name',
        annotations: expect.objectContaining({ readOnlyHint: true }),
        outputSchema: expect.objectContaining({ type: 'object' }),
      }),
    ]);
    const result = (await client.callTool({
      name: 'template_name',
      arguments: { values: [3, 1, 2] },
    })) as CallToolResult;
    const output = { count: 3, sum: 6, mean: 2, min: 1, max: 3 };
    expect(result.structuredContent).toEqual(output);
    expect(result.content).toEqual([{ type: 'text', text: JSON.stringify(output) }]);

    const overflow = (await client.callTool({
      name: 'template_name',
      arguments: { values: [1e308, 1e308] },
    })) as CallToolResult;
    expect(overflow.isError).toBe(true);
    const empty = (await client.callTool({
      name: 'template_name',
      arguments: { values: [] },
    })) as CallToolResult;
    expect(empty.isError).toBe(true);
  });

  it('resource.ts registers a readable JSON resource', async () => {
    const client = await connect(registerResource);
    const { resources } = await client.listResources();
    expect(resources).toEqual([
      expect.objectContaining({ uri: 'mcpx://template-name', name: 'template_name' }),
    ]);
    const { contents } = await client.readResource({ uri: 'mcpx://template-name' });
    const [content] = contents;
    expect(content).toMatchObject({ uri: 'mcpx://template-name', mimeType: 'application/json' });
    const text = content && 'text' in content ? content.text : '';
    expect(JSON.parse(text)).toMatchObject({ node: process.version });
  });

  it('prompt.ts registers a prompt with a completable argument', async () => {
    const client = await connect(registerPrompt);
    const { prompts } = await client.listPrompts();
    expect(prompts).toEqual([
      expect.objectContaining({ name: 'template_name', title: 'Template name' }),
    ]);
    const { messages } = await client.getPrompt({
      name: 'template_name',
      arguments: { topic: 'DNS', audience: 'specialist' },
    });
    expect(messages).toEqual([
      {
        role: 'user',
        content: { type: 'text', text: expect.stringMatching(/^Explain DNS\. .*specialist/) },
      },
    ]);
    const { completion } = await client.complete({
      ref: { type: 'ref/prompt', name: 'template_name' },
      argument: { name: 'audience', value: 'p' },
    });
    expect(completion.values).toEqual(['practitioner']);
  });

  it('the index templates register nothing', async () => {
    const client = await connect((server) => {
      registerTools(server);
      registerResources(server);
      registerPrompts(server);
    });
    expect(client.getServerCapabilities()).toEqual({});
  });
});

describe('placeholders', () => {
  const names = {
    TemplateName: 'WordCount',
    template_name: 'word_count',
    'template-name': 'word-count',
    'Template name': 'Word count',
  };

  it.each(['tool.ts', 'resource.ts', 'prompt.ts'])(
    '%s holds "template" only inside the four tokens',
    async (file) => {
      let text = await read(`primitives/${file}`);
      for (const token of ['TemplateName', 'template_name', 'Template name']) {
        expect(text).toContain(token);
      }
      for (const [token, value] of Object.entries(names)) text = text.replaceAll(token, value);
      expect(text).not.toMatch(/template/i);
      expect(text).toMatch(/^export function registerWordCount\(server: McpServer\): void \{$/m);
    },
  );
});

describe('anchors', () => {
  const indexes = [
    'primitives/tools-index.ts',
    'primitives/resources-index.ts',
    'primitives/prompts-index.ts',
    'servers/tools/src/tools/index.ts',
    'servers/resources/src/resources/index.ts',
    'servers/prompts/src/prompts/index.ts',
    'servers/tools/src/server.ts',
    'servers/resources/src/server.ts',
    'servers/prompts/src/server.ts',
  ];

  it.each(indexes)(
    '%s has one import anchor after the imports and one in the function',
    async (file) => {
      const lines = (await read(file)).split('\n');
      const importsAt = lines.flatMap((line, i) => (/^\/\/ mcpx:imports\b/.test(line) ? [i] : []));
      const registerAt = lines.flatMap((line, i) =>
        /^ {2}\/\/ mcpx:register\b/.test(line) ? [i] : [],
      );
      expect(importsAt).toHaveLength(1);
      expect(registerAt).toHaveLength(1);
      const [imports = -1] = importsAt;
      const [register = -1] = registerAt;
      // Inserted imports land below every existing import; inserted calls inside the function body.
      expect(lines.findLastIndex((line) => line.startsWith('import '))).toBe(imports - 1);
      const closing = lines.findIndex((line, i) => i > register && line === '}');
      expect(
        lines.slice(register + 1, closing).every((line) => /^\s*(return server;)?$/.test(line)),
      ).toBe(true);
    },
  );
});
