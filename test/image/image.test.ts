// The image test of issue 13: builds real images of the example servers with `mcpx build` and
// podman, without a registry (a debootstrap base with the project's Node, see base-image.sh), runs
// them, and checks what Kubernetes will ask of them. Needs root and podman: CI (.ci/run installs
// podman, buildah, runc and debootstrap from Debian) runs it; elsewhere it is skipped, and says so.
import { execa } from 'execa';
import { request } from 'node:http';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpx, testPath } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { skipWithout } from '../helpers/system-tool.js';
import { until } from '../helpers/until.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const REPO = join(HERE, '../..');
// In CI (.ci/run installs the tools, as root) a missing one fails the test; elsewhere it is skipped.
const skip =
  skipWithout('podman', 'podman') ||
  skipWithout('runc', 'runc') ||
  skipWithout('debootstrap', 'debootstrap') ||
  (process.getuid?.() !== 0 && process.env.CI !== 'true');

/** Short names: unique per run, so that parallel runs on one machine do not share images. */
const RUN = `t${process.pid}`;
const TAG = RUN;
const containers: string[] = [];
let work = '';
let env: Record<string, string> = {};

async function podman(...args: string[]): Promise<string> {
  const { stdout } = await execa('podman', args, { env, extendEnv: true });
  return stdout.trim();
}

/** A GET with an explicit Host header (fetch would not let a test choose it). */
function get(port: number, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject).end();
  });
}

/**
 * Runs `image` on the host's network (no CNI here) on `port`: PORT for an HTTP entry; a bridge's
 * command names its address, so its CMD is run with the port replaced, as Kubernetes would run it.
 */
async function runImage(image: string, port: number, name: string): Promise<string> {
  const cmd = JSON.parse(
    await podman('image', 'inspect', '--format', '{{json .Config.Cmd}}', image),
  ) as string[];
  const command = cmd.map((arg) => (arg === '0.0.0.0:8080' ? `127.0.0.1:${port}` : arg));
  const id = await podman(
    'run',
    '-d',
    '--network',
    'host',
    // No systemd here for podman's healthcheck timers; the test runs the HEALTHCHECK itself.
    '--health-interval',
    'disable',
    '-e',
    `PORT=${port}`,
    '-e',
    `ALLOWED_HOSTS=${name},${name}.default.svc,${name}.default.svc.cluster.local`,
    image,
    ...command,
  );
  containers.push(id);
  return id;
}

async function healthy(port: number): Promise<boolean> {
  return get(port, '/healthz', `127.0.0.1:${port}`).then(
    (r) => r.status === 200,
    () => false,
  );
}

describe.skipIf(skip)('images built by mcpx build (podman, no registry)', () => {
  let base = '';
  const started = Date.now();

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'mcpx-image-'));
    // The runtime wrapper that drops rlimits (this sandbox may not set them), host networking (no
    // CNI here), cgroupfs and file events (no systemd): see /work/shared/K8S-NOTES.md.
    const conf = join(work, 'containers.conf');
    await writeFile(
      conf,
      [
        '[containers]',
        'netns = "host"',
        '[engine]',
        'cgroup_manager = "cgroupfs"',
        'events_logger = "file"',
        'runtime = "mcpxrunc"',
        '[engine.runtimes]',
        `mcpxrunc = [${JSON.stringify(join(HERE, 'runc-wrapper.sh'))}]`,
        '',
      ].join('\n'),
    );
    env = { CONTAINERS_CONF: conf, PATH: testPath() };
    base = (
      await execa('bash', [join(HERE, 'base-image.sh')], { env, extendEnv: true })
    ).stdout.trim();

    // The examples as a user's workspace: its own lock file (npm ci needs one). Dev dependencies
    // go (mcpx itself is one, as file:..), writing loses its HTTP entry to be a stdio-only server
    // behind mcpx bridge, and docs leaves (one npm ci less).
    const ws = join(work, 'ws');
    await cp(join(REPO, 'examples'), ws, { recursive: true });
    const manifest = JSON.parse(await readFile(join(ws, 'mcpx.json'), 'utf8')) as {
      mcpServers: Record<string, unknown>;
    };
    delete manifest.mcpServers.docs;
    await writeFile(join(ws, 'mcpx.json'), JSON.stringify(manifest, null, 2));
    await rm(join(ws, 'servers/docs'), { recursive: true });
    await rm(join(ws, 'servers/writing/src/http.ts'));
    for (const file of [
      'package.json',
      'servers/text-kit/package.json',
      'servers/writing/package.json',
      'packages/mcp-runtime/package.json',
    ]) {
      const pkg = JSON.parse(await readFile(join(ws, file), 'utf8')) as Record<string, unknown>;
      delete pkg.devDependencies;
      await writeFile(join(ws, file), JSON.stringify(pkg, null, 2));
    }
    await execa(
      'npm',
      ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'],
      {
        cwd: ws,
        env,
        extendEnv: true,
      },
    );
  }, 600_000);

  afterAll(async () => {
    if (containers.length > 0) await podman('rm', '-f', '-t', '0', ...containers).catch(() => '');
    const images = (await podman('images', '--format', '{{.Repository}}:{{.Tag}}').catch(() => ''))
      .split('\n')
      .filter((name) => name.endsWith(`:${TAG}`));
    if (images.length > 0) await podman('rmi', '-f', ...images).catch(() => '');
    // The build stages' images are untagged (dangling) once their final images are gone.
    await podman('image', 'prune', '-f').catch(() => '');
    if (work !== '') await rm(work, { recursive: true, force: true });
    console.log(`image test: ${Math.round((Date.now() - started) / 1000)} s`);
  }, 120_000);

  it('builds the image of each server and of the gateway with podman', async () => {
    const ws = join(work, 'ws');
    const built = await mcpx(['build', '--tag', TAG, '--base-image', base, '--json'], {
      cwd: ws,
      env,
    });
    expect(built.exitCode, built.stdout + built.stderr).toBe(0);
    const result = JSON.parse(built.stdout) as {
      builder: string;
      images: { name: string; kind: string; image: string }[];
    };
    expect(result.builder).toBe('podman');
    expect(result.images.map((i) => [i.name, i.kind, i.image])).toEqual([
      ['text-kit', 'entry', `mcpx-text-kit:${TAG}`],
      ['writing', 'bridge', `mcpx-writing:${TAG}`],
      ['gateway', 'gateway', `mcpx-gateway:${TAG}`],
    ]);
    expect(await podman('images', '--format', '{{.Repository}}:{{.Tag}}')).toContain(
      `localhost/mcpx-text-kit:${TAG}`,
    );
  }, 900_000);

  it('runs the HTTP entry of a server as uid 65532: /healthz, MCP initialize, /readyz, its HEALTHCHECK, ALLOWED_HOSTS', async () => {
    const { port, client } = await startContainer('text-kit');
    expect(client.getServerVersion()?.name).toBe('text-kit');
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('count_words');
    await client.close();

    const ready = await get(port, '/readyz', `127.0.0.1:${port}`);
    expect(ready.status, ready.body).toBe(200);
    expect(JSON.parse(ready.body)).toMatchObject({ status: 'ready', name: 'text-kit' });
    const service = await get(port, '/healthz', 'text-kit.default.svc.cluster.local:8080');
    expect(service.status).toBe(200);
    const foreign = await get(port, '/healthz', 'docs.default.svc.cluster.local:8080');
    expect(foreign.status).toBe(403);
  }, 300_000);

  it('runs a stdio-only server behind mcpx bridge: initialize, a prompt, /readyz, ALLOWED_HOSTS', async () => {
    const { port, client } = await startContainer('writing');
    expect(client.getServerVersion()?.name).toBe('writing');
    expect((await client.listPrompts()).prompts.length).toBeGreaterThan(0);
    await client.close();

    const ready = await get(port, '/readyz', `127.0.0.1:${port}`);
    expect(ready.status, ready.body).toBe(200);
    expect(JSON.parse(ready.body)).toMatchObject({ ready: true, server: 'writing 0.1.0' });
    expect((await get(port, '/healthz', 'writing.default.svc:8080')).status).toBe(200);
    expect((await get(port, '/healthz', 'evil.example:8080')).status).toBe(403);
  }, 300_000);

  it('the gateway image carries a working mcpx bundle at /app/mcpx.js', async () => {
    const version = await podman(
      'run',
      '--rm',
      `mcpx-gateway:${TAG}`,
      'node',
      '/app/mcpx.js',
      '--version',
    );
    const own = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(version).toContain(`mcpx/${own.version}`);
  }, 120_000);
});

/**
 * The image of server `name` running on a free port, healthy, as uid 65532, its HEALTHCHECK run
 * once by hand (podman's timers need systemd), and an SDK client connected to its /mcp.
 */
async function startContainer(name: string): Promise<{ port: number; client: Client }> {
  const port = await freePort();
  const id = await runImage(`mcpx-${name}:${TAG}`, port, name);
  await waitHealthy(port);
  expect(await podman('exec', id, 'id', '-u')).toBe('65532');
  await podman('healthcheck', 'run', id);
  const client = new Client({ name: 'image-test', version: '0.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
  return { port, client };
}

async function waitHealthy(port: number): Promise<void> {
  let up = false;
  await until(
    '/healthz of the container',
    () => up,
    { timeoutMs: 60_000, everyMs: 200 },
    async () => {
      up = await healthy(port);
    },
  );
}
