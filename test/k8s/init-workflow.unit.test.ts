// `mcpx init --github-k8s` adds the kind workflow; it cannot run here (no Docker, no kind), so this
// checks what it is: valid YAML whose steps render, apply, wait and speak MCP in that order.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { initWorkspace } from '../../src/services/init.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function init(githubK8s: boolean): Promise<string> {
  const base = await mkdtemp(join(tmpdir(), 'mcpx-init-k8s-'));
  dirs.push(base);
  const ws = join(base, 'ws');
  await initWorkspace({ dir: ws, force: false, mcpxSpec: 'github:acme/mcpx', githubK8s });
  return ws;
}

const WORKFLOW = '.github/workflows/mcpx-k8s.yml';

describe('mcpx init --github-k8s', () => {
  it('writes the kind workflow: render, dry-run on the server, apply, wait, mcpx smoke over port-forward', async () => {
    const ws = await init(true);
    const workflow = parse(await readFile(join(ws, WORKFLOW), 'utf8')) as {
      jobs: { kind: { steps: { uses?: string; run?: string }[] } };
    };
    const steps = workflow.jobs.kind.steps;
    const order = [
      (s: { uses?: string }) => s.uses?.startsWith('helm/kind-action@') === true,
      (s: { run?: string }) => s.run?.includes('npx mcpx k8s render --out deploy/k8s') === true,
      (s: { run?: string }) => s.run?.includes('kind load docker-image') === true,
      (s: { run?: string }) =>
        s.run?.includes('kubectl apply --dry-run=server -k deploy/k8s') === true,
      (s: { run?: string }) => s.run?.includes('kubectl apply -k deploy/k8s') === true,
      (s: { run?: string }) =>
        s.run?.includes('--for=condition=Available deployment --all') === true,
      (s: { run?: string }) =>
        s.run?.includes('port-forward -n "$NAMESPACE" svc/mcpx-gateway') === true &&
        s.run.includes('npx mcpx smoke --dir "$RUNNER_TEMP/cluster"'),
    ];
    const at = order.map((test) => steps.findIndex(test));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    // The manifest that step smokes: the forwarded gateway as a url server, the token from env.
    const smoke = steps[at.at(-1)!]!.run!;
    const manifest = JSON.parse(/<<'JSON'\n([\s\S]*?)\nJSON\n/.exec(smoke)![1]!) as {
      mcpServers: Record<string, { url: string; headers: Record<string, string> }>;
    };
    expect(manifest.mcpServers.cluster).toEqual({
      url: 'http://127.0.0.1:8080/mcp',
      headers: { Authorization: 'Bearer ${MCPX_GATEWAY_TOKEN}' },
    });
  });

  it('is not written without the flag', async () => {
    const ws = await init(false);
    await expect(stat(join(ws, WORKFLOW))).rejects.toThrow(/ENOENT/);
    await stat(join(ws, '.github/workflows/mcpx-smoke.yml'));
  });
});
