import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';

/** What `/readyz` found: the primitives a client would see, or why it could not see them. */
export type Readiness =
  | {
      ready: true;
      tools?: number;
      resources?: number;
      resourceTemplates?: number;
      prompts?: number;
    }
  | { ready: false; reason: string };

/**
 * Checks the server the way a client meets it, in-process: a fresh server from `createServer`,
 * an in-memory client that initializes and lists every kind of primitive the server offers. A
 * primitive that fails to register (its `createServer` throws) or to list makes it not ready.
 */
export async function checkReadiness(
  createServer: () => McpServer,
  timeout: number,
): Promise<Readiness> {
  let server: McpServer;
  try {
    server = createServer();
  } catch (error) {
    return { ready: false, reason: `createServer() failed: ${messageOf(error)}` };
  }
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'readyz', version: '0.0.0' });
  try {
    await server.connect(serverSide);
    await client.connect(clientSide, { timeout });
    const offers = client.getServerCapabilities() ?? {};
    const options = { timeout };
    const counts: Omit<Extract<Readiness, { ready: true }>, 'ready'> = {};
    if (offers.tools) counts.tools = (await client.listTools({}, options)).tools.length;
    if (offers.resources) {
      counts.resources = (await client.listResources({}, options)).resources.length;
      counts.resourceTemplates = (
        await client.listResourceTemplates({}, options)
      ).resourceTemplates.length;
    }
    if (offers.prompts) counts.prompts = (await client.listPrompts({}, options)).prompts.length;
    return { ready: true, ...counts };
  } catch (error) {
    return { ready: false, reason: `listing its primitives failed: ${messageOf(error)}` };
  } finally {
    await client.close().catch(() => {});
    await server.close().catch(() => {});
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
