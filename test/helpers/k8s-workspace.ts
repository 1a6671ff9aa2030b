// Throwaway workspaces for the k8s render tests: a manifest and, per server, optionally the
// template's HTTP entry (src/http.ts), which decides the container's command.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];

export async function k8sWorkspace(
  manifest: object,
  withHttpEntry: readonly string[] = [],
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mcpx-k8s-'));
  made.push(dir);
  await writeFile(join(dir, 'mcpx.json'), JSON.stringify(manifest, null, 2));
  for (const folder of withHttpEntry) {
    await mkdir(join(dir, folder, 'src'), { recursive: true });
    await writeFile(join(dir, folder, 'src', 'http.ts'), '// the HTTP entry\n');
  }
  return dir;
}

export async function removeK8sWorkspaces(): Promise<void> {
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
}

/**
 * A role with env and egress, an autoscaled server, a roleless one, one with "_" and one with a
 * leading digit, a third-party HTTP server (no src/http.ts), a url server whose header needs a
 * secret, a disabled one. `plain` has src/http.ts only if the caller lists servers/plain.
 */
export const RICH_MANIFEST = {
  roles: {
    search: {
      primitives: ['tools'],
      env: ['SEARCH_API_KEY', 'SEARCH_URL'],
      egress: ['0.0.0.0/0:443'],
    },
  },
  mcpServers: {
    web_search: {
      command: 'node',
      args: ['src/stdio.ts'],
      cwd: 'servers/web_search',
      role: 'search',
      replicas: { min: 2, max: 6 },
      env: { SEARCH_ENDPOINT: '${SEARCH_URL}', LOG_LEVEL: 'info' },
    },
    '2fa': { command: 'npx', args: ['-y', 'some-2fa-mcp'], role: 'tools', replicas: 3 },
    plain: { command: 'node', args: ['src/http.ts'], cwd: 'servers/plain', transport: 'http' },
    py: { command: 'python', args: ['-m', 'weather'], transport: 'http', role: 'tools' },
    remote: {
      url: 'https://mcp.example.com/mcp',
      headers: { Authorization: 'Bearer ${REMOTE_TOKEN}' },
    },
    off: { command: 'node', args: ['x.ts'], disabled: true },
  },
};
