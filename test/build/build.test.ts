// mcpx build without running a builder (--print, or none on PATH): the files it writes, the commands
// it prints, and bad input. The image test (test/image) runs the real builder.
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mcpx, testPath } from '../helpers/cli.js';

const temps: string[] = [];
afterEach(async () => {
  for (const dir of temps.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function put(root: string, file: string, content: unknown): Promise<void> {
  await mkdir(dirname(join(root, file)), { recursive: true });
  await writeFile(
    join(root, file),
    typeof content === 'string' ? content : JSON.stringify(content, null, 2),
  );
}

/**
 * An npm workspace: alpha (stdio in dev, with src/http.ts, using the local package lib), beta
 * (stdio only), data_tool (an npx command: not a workspace package), far (a url), and a lock file
 * (npm writes it offline: nothing to download).
 */
async function workspace(options: { lock?: boolean } = {}): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'mcpx-build-'));
  temps.push(root);
  await put(root, 'package.json', {
    name: 'ws',
    private: true,
    workspaces: ['servers/*', 'packages/*'],
  });
  await put(root, 'packages/lib/package.json', { name: 'lib', version: '1.0.0' });
  await put(root, 'servers/alpha/package.json', {
    name: '@ws/alpha',
    version: '1.0.0',
    dependencies: { lib: 'file:../../packages/lib' },
  });
  await put(root, 'servers/alpha/src/http.ts', '');
  await put(root, 'servers/alpha/src/stdio.ts', '');
  await put(root, 'servers/beta/package.json', { name: '@ws/beta', version: '1.0.0' });
  await put(root, 'servers/beta/src/stdio.ts', '');
  await put(root, 'mcpx.json', {
    mcpServers: {
      alpha: { command: 'node', args: ['src/stdio.ts'], cwd: 'servers/alpha' },
      beta: { command: 'node', args: ['src/stdio.ts'], cwd: 'servers/beta' },
      data_tool: { command: 'npx', args: ['-y', 'some-mcp@1.2.3', '--flag'] },
      far: { url: 'https://mcp.example.com/mcp' },
    },
  });
  if (options.lock !== false)
    await execa('npm', ['install', '--package-lock-only', '--offline', '--ignore-scripts'], {
      cwd: root,
      env: { PATH: testPath() },
    });
  return root;
}

describe('mcpx build', () => {
  it('writes a Containerfile per server and for the gateway, the .dockerignore and the mcpx bundle, and prints the commands with --print', async () => {
    const root = await workspace();
    const result = await mcpx(
      ['build', '--print', '--tag', '1.0', '--image-registry', 'ghcr.io/acme/'],
      {
        cwd: join(root, 'servers/alpha'),
      },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout.split('\n')).toEqual([
      'wrote deploy/images/alpha/Containerfile      ghcr.io/acme/mcpx-alpha:1.0      node src/http.ts',
      'wrote deploy/images/beta/Containerfile       ghcr.io/acme/mcpx-beta:1.0       node /app/mcpx.js bridge --http 0.0.0.0:8080 -- node src/stdio.ts',
      'wrote deploy/images/data-tool/Containerfile  ghcr.io/acme/mcpx-data-tool:1.0  node /app/mcpx.js bridge --http 0.0.0.0:8080 -- npx -y some-mcp@1.2.3 --flag',
      'wrote deploy/images/gateway/Containerfile    ghcr.io/acme/mcpx-gateway:1.0    node /app/mcpx.js gateway --members /etc/mcpx/members.json --host 0.0.0.0 --port 8080',
      'wrote .dockerignore',
      'skipped far: runs elsewhere (https://mcp.example.com/mcp)',
      `to build, in ${root}:`,
      '  podman build --format docker -f deploy/images/alpha/Containerfile -t ghcr.io/acme/mcpx-alpha:1.0 .',
      '  podman build --format docker -f deploy/images/beta/Containerfile -t ghcr.io/acme/mcpx-beta:1.0 .',
      '  podman build --format docker -f deploy/images/data-tool/Containerfile -t ghcr.io/acme/mcpx-data-tool:1.0 .',
      '  podman build --format docker -f deploy/images/gateway/Containerfile -t ghcr.io/acme/mcpx-gateway:1.0 .',
    ]);
    const alpha = await readFile(join(root, 'deploy/images/alpha/Containerfile'), 'utf8');
    expect(alpha).toContain('RUN npm ci --omit=dev --no-audit --no-fund -w servers/alpha\n');
    // The local package lands where the link in node_modules points (../packages/lib from /app/node_modules).
    expect(alpha).toContain('COPY --from=build /w/packages/lib ./packages/lib\n');
    expect(alpha).toContain('COPY --from=build /w/servers/alpha ./\n');
    expect(alpha).toContain('USER 65532:65532\n');
    expect(alpha).toContain('HEALTHCHECK');
    expect(alpha).toContain('CMD ["node", "src/http.ts"]\n');
    expect(alpha).not.toContain('/opt/mcpx');
    const beta = await readFile(join(root, 'deploy/images/beta/Containerfile'), 'utf8');
    expect(beta).toContain('COPY .mcpx/build/mcpx /opt/mcpx\n');
    expect(beta).toContain(
      'CMD ["node", "/app/mcpx.js", "bridge", "--http", "0.0.0.0:8080", "--", "node", "src/stdio.ts"]\n',
    );
    const npx = await readFile(join(root, 'deploy/images/data-tool/Containerfile'), 'utf8');
    expect(npx).not.toContain('npm ci');
    expect(npx).toContain('npm_config_cache=/tmp/.npm');
    const ignore = await readFile(join(root, '.dockerignore'), 'utf8');
    expect(ignore).toContain('**/node_modules\n');
    expect(ignore).toContain('!.mcpx/build/mcpx\n');
    // The staged bundle runs: what /app/mcpx.js imports in the gateway and bridge images.
    const version = await execa(process.execPath, [
      join(root, '.mcpx/build/mcpx/bin/run.js'),
      '--version',
    ]);
    expect(version.stdout).toMatch(/^mcpx\/\d+\.\d+\.\d+ /);
  }, 60_000);

  it('with no builder on PATH, writes the files and says how to build; --json gives the plan', async () => {
    const root = await workspace();
    const result = await mcpx(['build', 'alpha', '--json'], {
      cwd: root,
      env: { PATH: dirname(process.execPath) },
    });
    expect(result.exitCode, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(json.builder).toBeUndefined();
    expect(json).toMatchObject({
      notBuilt: 'no podman, buildah or docker on PATH',
      images: [{ name: 'alpha', kind: 'entry', image: 'mcpx-alpha:dev' }],
    });
    expect(existsSync(join(root, 'deploy/images/alpha/Containerfile'))).toBe(true);
    expect(existsSync(join(root, 'deploy/images/gateway'))).toBe(false);
    // No image needs the bundle: none is staged.
    expect(existsSync(join(root, '.mcpx/build/mcpx'))).toBe(false);
  }, 60_000);

  it('keeps a .dockerignore of the user, and rewrites its own', async () => {
    const root = await workspace();
    await writeFile(join(root, '.dockerignore'), 'node_modules\n');
    const kept = await mcpx(['build', 'gateway', '--print'], { cwd: root });
    expect(kept.exitCode, kept.stderr).toBe(0);
    expect(kept.stdout).toContain('kept .dockerignore, which is your own');
    expect(await readFile(join(root, '.dockerignore'), 'utf8')).toBe('node_modules\n');
  }, 60_000);

  it('refuses bad input with exit 2 and writes nothing: no lock file, an unknown server, a script outside the workspace packages', async () => {
    const root = await workspace({ lock: false });
    const noLock = await mcpx(['build', '--print'], { cwd: root });
    expect(noLock.exitCode).toBe(2);
    expect(noLock.stderr).toContain(`${join(root, 'package-lock.json')} is missing`);
    expect(noLock.stderr).toContain('Try: run `npm install`');
    expect(existsSync(join(root, 'deploy'))).toBe(false);
    expect(existsSync(join(root, '.dockerignore'))).toBe(false);
    expect(existsSync(join(root, '.mcpx'))).toBe(false);

    const unknown = await mcpx(['build', 'gamma', '--print'], { cwd: root });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('No server named "gamma"');

    // A script of the workspace root: its image would not have the file.
    const manifest = JSON.parse(await readFile(join(root, 'mcpx.json'), 'utf8')) as {
      mcpServers: Record<string, unknown>;
    };
    manifest.mcpServers.loose = { command: 'node', args: ['loose.js'] };
    await writeFile(join(root, 'mcpx.json'), JSON.stringify(manifest));
    await execa('npm', ['install', '--package-lock-only', '--offline', '--ignore-scripts'], {
      cwd: root,
      env: { PATH: testPath() },
    });
    const loose = await mcpx(['build', '--print'], { cwd: root });
    expect(loose.exitCode).toBe(2);
    expect(loose.stderr).toContain(
      `Server loose runs \`node loose.js\` in ${root}, which is not a package of the npm workspace`,
    );
    expect(existsSync(join(root, 'deploy'))).toBe(false);
  }, 60_000);
});
