// mcpx k8s render as a service: golden files for examples/, what the manifest decides, and how it
// writes (whole files, never one it did not write, stale ones removed).
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { McpxError } from '../../src/errors.js';
import { type RenderOptions, renderBase } from '../../src/k8s/render.js';
import { RICH_MANIFEST, k8sWorkspace, removeK8sWorkspaces } from '../helpers/k8s-workspace.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const GOLDEN = join(REPO, 'test/k8s/golden/examples');
const outs: string[] = [];
afterEach(async () => {
  for (const dir of outs.splice(0)) await rm(dir, { recursive: true, force: true });
});
afterAll(removeK8sWorkspaces);

async function tempOut(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mcpx-k8s-out-'));
  outs.push(dir);
  return join(dir, 'k8s');
}

function options(dir: string, out: string, more: Partial<RenderOptions> = {}): RenderOptions {
  return { dir, out, registry: undefined, tag: 'dev', namespace: 'mcpx', force: false, ...more };
}

async function filesUnder(root: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(relative(root, path), await readFile(path, 'utf8'));
  }
  return files;
}

/** Every object of a rendered file, parsed; the tests read whatever field they check. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed YAML of many shapes
async function objectsIn(file: string): Promise<any[]> {
  return parseAllDocuments(await readFile(file, 'utf8')).map((d) => d.toJS());
}

describe('renderBase on examples/', () => {
  it('writes exactly the golden files (UPDATE_GOLDEN=1 rewrites them)', async () => {
    const out = await tempOut();
    const result = await renderBase(options(join(REPO, 'examples'), out));
    const rendered = await filesUnder(out);
    if (process.env.UPDATE_GOLDEN === '1') {
      await rm(GOLDEN, { recursive: true, force: true });
      for (const [path, text] of rendered) {
        await mkdir(dirname(join(GOLDEN, path)), { recursive: true });
        await writeFile(join(GOLDEN, path), text);
      }
    }
    expect(new Map([...rendered].sort())).toEqual(new Map([...(await filesUnder(GOLDEN))].sort()));
    expect([...rendered.keys()].sort()).toEqual([...result.files].sort());
    expect(result.written.sort()).toEqual([...result.files].sort());
  });
});

describe('renderBase decides from the manifest', () => {
  it('rolls the gateway when its members change: their hash is in the pod template', async () => {
    const hashes: string[] = [];
    for (const namespace of ['one', 'two', 'one']) {
      const out = await tempOut();
      await renderBase(options(join(REPO, 'examples'), out, { namespace }));
      const [gateway] = await objectsIn(join(out, 'gateway/deployment.yaml'));
      hashes.push(gateway.spec.template.metadata.annotations['mcpx.dev/members-sha256']);
    }
    expect(hashes[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(hashes[1]).not.toBe(hashes[0]);
    expect(hashes[2]).toBe(hashes[0]);
  });

  it('autoscaling, role Secrets and egress, name mapping, the bridge, url members', async () => {
    const dir = await k8sWorkspace(RICH_MANIFEST, ['servers/web_search', 'servers/plain']);
    const out = await tempOut();
    const result = await renderBase(
      options(dir, out, { registry: 'ghcr.io/acme/', tag: '1.2.3', namespace: 'tools' }),
    );
    expect(result.skipped.map((s) => s.name)).toEqual(['remote', 'off']);

    const [web] = await objectsIn(join(out, 'servers/web-search/deployment.yaml'));
    expect(web.spec.replicas).toBeUndefined();
    expect(web.spec.template.metadata.labels['mcpx.dev/server']).toBe('web_search');
    const c = web.spec.template.spec.containers[0];
    expect(c.image).toBe('ghcr.io/acme/mcpx-web-search:1.2.3');
    expect(c.command).toEqual(['node', 'src/http.ts']);
    expect(c.env).toEqual([
      { name: 'HOST', value: '0.0.0.0' },
      { name: 'PORT', value: '8080' },
      {
        name: 'ALLOWED_HOSTS',
        value: 'web-search,web-search.tools.svc,web-search.tools.svc.cluster.local',
      },
      {
        name: 'SEARCH_API_KEY',
        valueFrom: { secretKeyRef: { name: 'mcpx-role-search', key: 'SEARCH_API_KEY' } },
      },
      {
        name: 'SEARCH_URL',
        valueFrom: { secretKeyRef: { name: 'mcpx-role-search', key: 'SEARCH_URL' } },
      },
      { name: 'SEARCH_ENDPOINT', value: '$(SEARCH_URL)' },
      { name: 'LOG_LEVEL', value: 'info' },
    ]);
    expect(c.readinessProbe.httpGet).toEqual({
      path: '/readyz',
      port: 'mcp',
      httpHeaders: [{ name: 'Host', value: 'web-search' }],
    });
    const [hpa] = await objectsIn(join(out, 'servers/web-search/hpa.yaml'));
    expect(hpa.spec).toMatchObject({ minReplicas: 2, maxReplicas: 6 });

    const [twofa] = await objectsIn(join(out, 'servers/s-2fa/deployment.yaml'));
    expect(twofa.spec.replicas).toBe(3);
    expect(twofa.spec.template.spec.containers[0].command).toEqual([
      'node',
      '/app/mcpx.js',
      'bridge',
      '--http',
      '0.0.0.0:8080',
      '--',
      'npx',
      '-y',
      'some-2fa-mcp',
    ]);
    await expect(readFile(join(out, 'servers/s-2fa/hpa.yaml'))).rejects.toThrow(/ENOENT/);
    const [plainPdb] = await objectsIn(join(out, 'servers/plain/pdb.yaml'));
    expect(plainPdb.spec).toMatchObject({ maxUnavailable: 1 });
    const [plain] = await objectsIn(join(out, 'servers/plain/deployment.yaml'));
    expect(plain.spec.template.spec.containers[0].command).toEqual(['node', 'src/http.ts']);
    expect(plain.spec.template.spec.containers[0].readinessProbe.httpGet.path).toBe('/readyz');
    const [py] = await objectsIn(join(out, 'servers/py/deployment.yaml'));
    const pyContainer = py.spec.template.spec.containers[0];
    expect(pyContainer.command).toEqual(['python', '-m', 'weather']);
    // A third-party HTTP server has no /healthz or /readyz to ask: only that it listens.
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
      expect(pyContainer[probe].tcpSocket).toEqual({ port: 'mcp' });
      expect(pyContainer[probe].httpGet).toBeUndefined();
    }

    const [policy] = await objectsIn(join(out, 'network-policies/mcpx-role-search.yaml'));
    expect(policy.spec.egress).toEqual([
      {
        ports: [
          { protocol: 'UDP', port: 53 },
          { protocol: 'TCP', port: 53 },
        ],
      },
      { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ protocol: 'TCP', port: 443 }] },
    ]);
    const secrets = await objectsIn(join(out, 'secrets.example.yaml'));
    expect(secrets.map((s) => [s.metadata.name, s.stringData])).toEqual([
      ['mcpx-role-search', { SEARCH_API_KEY: '', SEARCH_URL: '' }],
      ['mcpx-gateway', { MCPX_GATEWAY_TOKEN: '', REMOTE_TOKEN: '' }],
    ]);
    const [gateway] = await objectsIn(join(out, 'gateway/deployment.yaml'));
    expect(gateway.spec.template.spec.containers[0].env).toEqual(
      ['MCPX_GATEWAY_TOKEN', 'REMOTE_TOKEN'].map((name) => ({
        name,
        valueFrom: { secretKeyRef: { name: 'mcpx-gateway', key: name } },
      })),
    );
    const [members] = await objectsIn(join(out, 'gateway/members.yaml'));
    expect(JSON.parse(members.data['members.json'])).toEqual({
      servers: {
        web_search: {
          url: 'http://web-search.tools.svc.cluster.local:8080/mcp',
          discovery: 'dns',
        },
        '2fa': { url: 'http://s-2fa.tools.svc.cluster.local:8080/mcp', discovery: 'dns' },
        plain: { url: 'http://plain.tools.svc.cluster.local:8080/mcp', discovery: 'dns' },
        py: { url: 'http://py.tools.svc.cluster.local:8080/mcp', discovery: 'dns' },
        remote: {
          url: 'https://mcp.example.com/mcp',
          discovery: 'none',
          headers: { Authorization: 'Bearer ${REMOTE_TOKEN}' },
        },
      },
    });
    const [kustomization] = await objectsIn(join(out, 'kustomization.yaml'));
    expect(kustomization.namespace).toBe('tools');
    expect(kustomization.resources).not.toContain('secrets.example.yaml');
  });
});

async function refusal(run: Promise<unknown>): Promise<McpxError> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(McpxError);
  expect((error as McpxError).exitCode).toBe(2);
  return error as McpxError;
}

describe('renderBase refuses, writing nothing', () => {
  it.each([
    [
      'two names that map to one Kubernetes name',
      { mcpServers: { a_b: { command: 'x' }, 'a-b': { command: 'y' } } },
      /"a-b" would be named "a-b" on Kubernetes, as server "a_b" is/,
    ],
    [
      'a server named like the gateway',
      { mcpServers: { 'mcpx-gateway': { command: 'x' } } },
      /as the gateway is/,
    ],
    [
      'isolation "session"',
      { mcpServers: { s: { command: 'x', isolation: 'session' } } },
      /"isolation": "session"/,
    ],
    [
      'env expanding from the shell',
      { mcpServers: { s: { command: 'x', env: { TOKEN: '${MY_TOKEN}' } } } },
      /env TOKEN is "\$\{MY_TOKEN\}"/,
    ],
  ])('%s', async (_, manifest, message) => {
    const dir = await k8sWorkspace(manifest);
    const out = await tempOut();
    const error = await refusal(renderBase(options(dir, out)));
    expect(error.message).toMatch(message);
    expect(error.hint).toBeDefined();
    await expect(readdir(out)).rejects.toThrow(/ENOENT/);
  });

  it.each([
    [{ namespace: 'Bad_NS' }, /--namespace "Bad_NS"/],
    [{ namespace: 'kube-system' }, /--namespace "kube-system" is one of Kubernetes' own/],
    [{ tag: '-x' }, /--tag "-x"/],
    [{ registry: 'https://ghcr.io' }, /--image-registry "https:\/\/ghcr.io"/],
  ])('flags %j', async (more, message) => {
    const out = await tempOut();
    const error = await refusal(renderBase(options(join(REPO, 'examples'), out, more)));
    expect(error.message).toMatch(message);
    await expect(readdir(out)).rejects.toThrow(/ENOENT/);
  });
});

describe('renderBase writes only its own files', () => {
  it('refuses to replace a hand-written file unless --force, touching nothing else', async () => {
    const out = await tempOut();
    await mkdir(join(out, 'gateway'), { recursive: true });
    await writeFile(join(out, 'gateway/service.yaml'), 'kind: Service # mine\n');
    const error = await refusal(renderBase(options(join(REPO, 'examples'), out)));
    expect(error.message).toContain(join(out, 'gateway/service.yaml'));
    expect(error.hint).toMatch(/--force/);
    expect(await filesUnder(out)).toEqual(
      new Map([['gateway/service.yaml', 'kind: Service # mine\n']]),
    );

    const forced = await renderBase(options(join(REPO, 'examples'), out, { force: true }));
    expect(forced.written).toContain('gateway/service.yaml');
    expect(await readFile(join(out, 'gateway/service.yaml'), 'utf8')).toMatch(/^# Written by/);
  });

  it("a second render changes nothing; a removed server's files go, files beside them stay", async () => {
    const manifest = structuredClone(RICH_MANIFEST);
    const dir = await k8sWorkspace(manifest, ['servers/web_search']);
    const out = await tempOut();
    await renderBase(options(dir, out));
    await writeFile(join(out, 'servers/plain/notes.md'), 'mine\n');
    const again = await renderBase(options(dir, out));
    expect(again.written).toEqual([]);
    expect(again.unchanged.length).toBe(again.files.length);

    delete (manifest.mcpServers as Record<string, unknown>).plain;
    delete (manifest.mcpServers as Record<string, unknown>)['2fa'];
    await writeFile(join(dir, 'mcpx.json'), JSON.stringify(manifest));
    const after = await renderBase(options(dir, out));
    expect(after.removed.sort()).toEqual(
      [
        'servers/plain/deployment.yaml',
        'servers/plain/service.yaml',
        'servers/plain/pdb.yaml',
        'servers/s-2fa/deployment.yaml',
        'servers/s-2fa/service.yaml',
        'servers/s-2fa/pdb.yaml',
        'network-policies/mcpx-no-role.yaml',
      ].sort(),
    );
    expect((await readdir(join(out, 'servers'))).sort()).toEqual(['plain', 'py', 'web-search']);
    expect(await readdir(join(out, 'servers/plain'))).toEqual(['notes.md']);
    expect([...(await filesUnder(out)).keys()].sort()).toEqual(
      [...after.files, 'servers/plain/notes.md'].sort(),
    );
  });
});
