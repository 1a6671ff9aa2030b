import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildArgv, findBuilder, shellLine } from '../../src/build/builder.js';
import { imageName } from '../../src/build/plan.js';

describe('the builder mcpx build runs', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcpx-builders-'));
    for (const name of ['docker', 'buildah', 'podman-not-executable'])
      await writeFile(join(dir, name), '#!/bin/sh\n');
    await chmod(join(dir, 'docker'), 0o755);
    await chmod(join(dir, 'buildah'), 0o755);
    await writeFile(join(dir, 'podman'), '#!/bin/sh\n', { mode: 0o644 });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is the first of podman, buildah, docker that PATH has as an executable', async () => {
    expect(findBuilder(dir)).toBe('buildah');
    expect(findBuilder(`${join(dir, 'none')}${delimiter}${dir}`)).toBe('buildah');
    expect(findBuilder('')).toBeUndefined();
  });

  it('builds in docker format with podman and buildah (HEALTHCHECK kept), the base as a build arg', () => {
    const build = {
      containerfile: 'deploy/images/a/Containerfile',
      context: '.',
      image: 'mcpx-a:dev',
    };
    expect(buildArgv('podman', { ...build, baseImage: undefined })).toEqual([
      'podman',
      'build',
      '--format',
      'docker',
      '-f',
      'deploy/images/a/Containerfile',
      '-t',
      'mcpx-a:dev',
      '.',
    ]);
    expect(buildArgv('buildah', { ...build, baseImage: 'localhost/node:24' }).slice(0, 4)).toEqual([
      'buildah',
      'bud',
      '--format',
      'docker',
    ]);
    expect(buildArgv('docker', { ...build, baseImage: 'localhost/node:24' })).toEqual([
      'docker',
      'build',
      '-f',
      'deploy/images/a/Containerfile',
      '-t',
      'mcpx-a:dev',
      '--build-arg',
      'NODE_IMAGE=localhost/node:24',
      '.',
    ]);
  });

  it('quotes what a shell would split', () => {
    expect(shellLine(['podman', 'build', '-f', 'my dir/Containerfile', "it's"])).toBe(
      `podman build -f 'my dir/Containerfile' 'it'\\''s'`,
    );
  });

  it.each([
    ['docs', 'dev', undefined, 'mcpx-docs:dev'],
    ['text_kit', '1.0', 'ghcr.io/acme/', 'ghcr.io/acme/mcpx-text-kit:1.0'],
    ['9lives', 'dev', 'r.example', 'r.example/mcpx-s-9lives:dev'],
    ['gateway', 'dev', undefined, 'mcpx-gateway:dev'],
  ])('image of %s', (name, tag, registry, expected) => {
    expect(imageName(name, tag, registry)).toBe(expected);
  });
});
