// The bearer token `mcpx dev` gives the HTTP servers it starts, and sends.
import { describe, expect, it } from 'vitest';
import { workspaceOf } from '../../src/manifest/load.js';
import type { Manifest, ServerEntry } from '../../src/manifest/schema.js';
import { instanceSpec } from '../../src/supervisor/spec.js';

const spec = (entry: ServerEntry, authToken?: string) => {
  const manifest: Manifest = { mcpServers: { s: entry } };
  const workspace = workspaceOf('/w', '/w/mcpx.json', JSON.stringify(manifest), manifest);
  return instanceSpec({
    workspace,
    server: workspace.servers.get('s')!,
    replica: 0,
    parentEnv: { PATH: '/bin', MCP_AUTH_TOKEN: 'from-the-parent' },
    authToken,
  });
};

describe('instanceSpec with a run token', () => {
  const http: ServerEntry = {
    command: 'node',
    args: ['src/http.ts'],
    transport: 'http',
    port: 4100,
  };

  it('gives an HTTP server it starts MCP_AUTH_TOKEN and sends it as a bearer token', async () => {
    const result = await spec(http, 'run-token');
    expect(result.launch?.env.MCP_AUTH_TOKEN).toBe('run-token');
    expect(result.headers).toEqual({ Authorization: 'Bearer run-token' });
  });

  it("keeps a token the entry's env sets, and none when it sets an empty one", async () => {
    const own = await spec({ ...http, env: { MCP_AUTH_TOKEN: 'mine' } }, 'run-token');
    expect(own.launch?.env.MCP_AUTH_TOKEN).toBe('mine');
    expect(own.headers).toEqual({ Authorization: 'Bearer mine' });
    const none = await spec({ ...http, env: { MCP_AUTH_TOKEN: '' } }, 'run-token');
    expect(none.launch?.env.MCP_AUTH_TOKEN).toBe('');
    expect(none.headers).toBeUndefined();
  });

  it('leaves stdio servers, and runs without a token (smoke), alone', async () => {
    const stdio = await spec({ command: 'node', args: ['src/stdio.ts'] }, 'run-token');
    expect(stdio.launch?.env.MCP_AUTH_TOKEN).toBeUndefined();
    expect(stdio.headers).toBeUndefined();
    const smoke = await spec(http);
    // The parent's MCP_AUTH_TOKEN is not passed down: servers get a minimal environment.
    expect(smoke.launch?.env.MCP_AUTH_TOKEN).toBeUndefined();
    expect(smoke.headers).toBeUndefined();
  });
});
