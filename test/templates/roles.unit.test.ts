// Each server template is one role: it offers that kind of primitive and no other. (Not asserted
// in the templates' own tests, which must keep passing after `mcpx new` adds another kind.)
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { expect, it } from 'vitest';
import { createServer as createPromptsServer } from '../../templates/servers/prompts/src/server.ts';
import { createServer as createResourcesServer } from '../../templates/servers/resources/src/server.ts';
import { createServer as createToolsServer } from '../../templates/servers/tools/src/server.ts';

const ROLES: [string, () => McpServer][] = [
  ['tools', createToolsServer],
  ['resources', createResourcesServer],
  ['prompts', createPromptsServer],
];

it.each(ROLES)(
  'the %s template offers that kind of primitive only, and logging',
  async (role, createServer) => {
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name: 'test', version: '0.0.0' });
    await Promise.all([createServer().connect(serverTransport), client.connect(clientTransport)]);
    try {
      const capabilities = client.getServerCapabilities() ?? {};
      expect(capabilities.logging).toEqual({});
      expect(
        Object.keys(capabilities).filter((key) => ['tools', 'resources', 'prompts'].includes(key)),
      ).toEqual([role]);
      expect(client.getServerVersion()?.name).toBe(`mcpx-template-${role}`);
    } finally {
      await client.close();
    }
  },
);
