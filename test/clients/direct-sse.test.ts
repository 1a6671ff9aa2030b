// mcpx config --via direct and servers of the legacy SSE transport: the client tables write
// Streamable HTTP entries, so an SSE server (started by mcpx or given by url) is left out with a
// warning that names the gateway, and the other servers are written as before.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientConfig } from '../../src/services/config.js';

let root: string;
let home: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mcpx-config-sse-'));
  home = await mkdtemp(join(tmpdir(), 'mcpx-config-sse-home-'));
  await writeFile(
    join(root, 'mcpx.json'),
    JSON.stringify({
      mcpServers: {
        kit: { command: 'node', args: ['kit.js'] },
        everything: { command: 'npx', args: ['server-everything', 'sse'], type: 'sse', port: 3001 },
        legacy: { url: 'http://127.0.0.1:3002/sse', transport: 'sse' },
        remote: { url: 'http://127.0.0.1:3003/mcp', type: 'streamableHttp' },
      },
    }),
  );
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(home, { recursive: true, force: true });
});

describe('mcpx config --via direct with SSE servers', () => {
  it('leaves them out, saying why and that the gateway serves them', async () => {
    const result = await clientConfig({
      dir: root,
      client: 'claude-code',
      via: 'direct',
      write: false,
      name: 'mcpx',
      mcpx: { node: '/n/node', bin: '/m/run.js' },
      paths: { home, platform: 'linux', env: {} },
    });
    expect(Object.keys(result.entries).sort()).toEqual(['kit', 'remote']);
    expect(result.entries.remote).toEqual({ type: 'http', url: 'http://127.0.0.1:3003/mcp' });
    for (const name of ['everything', 'legacy'])
      expect(result.warnings).toContain(
        `${name} left out: it speaks the legacy SSE transport (deprecated), and mcpx writes Streamable HTTP entries; the gateway (\`mcpx config claude-code\`) serves it over Streamable HTTP.`,
      );
  });
});
