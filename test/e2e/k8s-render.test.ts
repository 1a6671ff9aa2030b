// The built CLI renders examples/ and `kubectl kustomize` (offline: no cluster needed) accepts the
// base; .ci/run installs kubectl when the machine lacks it.
import { execa } from 'execa';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { mcpx } from '../helpers/cli.js';
import { skipWithout } from '../helpers/system-tool.js';

const EXAMPLES = fileURLToPath(new URL('../../examples', import.meta.url));
const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mcpx-k8s-e2e-'));
  dirs.push(dir);
  return dir;
}

describe('mcpx k8s render', () => {
  it('renders examples/ into a base that kubectl kustomize builds', async () => {
    const out = join(await tempDir(), 'k8s');
    const render = await mcpx(['k8s', 'render', '--dir', EXAMPLES, '--out', out], {
      cwd: EXAMPLES,
    });
    expect(render.stderr).toBe('');
    expect(render.exitCode).toBe(0);
    expect(render.stdout).toMatch(/^Rendered .*k8s \(namespace mcpx\): 19 files, 19 written$/m);
    expect(render.stdout).toContain('  servers/text-kit/deployment.yaml');

    if (skipWithout('kubectl', 'kubernetes-client')) return;
    const built = await execa('kubectl', ['kustomize', out], { reject: false });
    expect(built.stderr).toBe('');
    expect(built.exitCode).toBe(0);
    const objects = parseAllDocuments(built.stdout).map(
      (d) => d.toJS() as { kind: string; metadata: { name: string; namespace?: string } },
    );
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      [
        'Namespace/mcpx',
        'Deployment/mcpx-gateway',
        'Service/mcpx-gateway',
        'ConfigMap/mcpx-gateway-members',
        'PodDisruptionBudget/mcpx-gateway',
        ...['text-kit', 'docs', 'writing'].flatMap((s) => [
          `Deployment/${s}`,
          `Service/${s}`,
          `PodDisruptionBudget/${s}`,
        ]),
        'NetworkPolicy/mcpx-role-tools',
        'NetworkPolicy/mcpx-role-resources',
        'NetworkPolicy/mcpx-role-prompts',
      ].sort(),
    );
    for (const object of objects.filter((o) => o.kind !== 'Namespace'))
      expect(object.metadata.namespace, `${object.kind}/${object.metadata.name}`).toBe('mcpx');
  });

  it('--json returns the files; a bad flag value exits 2 and writes nothing', async () => {
    const base = await tempDir();
    const json = await mcpx(['k8s', 'render', '--json', '--out', join(base, 'a'), '--tag', '1.0'], {
      cwd: EXAMPLES,
    });
    expect(json.exitCode).toBe(0);
    const result = JSON.parse(json.stdout) as { files: string[]; namespace: string };
    expect(result.files).toContain('secrets.example.yaml');

    const bad = await mcpx(['k8s', 'render', '--out', join(base, 'b'), '--namespace', 'Not_OK'], {
      cwd: EXAMPLES,
    });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--namespace "Not_OK" is not a Kubernetes namespace name.');
    expect(bad.stderr).toContain('Try:');
    expect(await readdir(base)).toEqual(['a']);
  });
});
