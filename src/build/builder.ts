import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The image builders mcpx runs, in the order it looks for them: no home-made builder. */
export const BUILDERS = ['podman', 'buildah', 'docker'] as const;
export type Builder = (typeof BUILDERS)[number];

/** The first builder on PATH, or undefined. */
export function findBuilder(path: string | undefined = process.env.PATH): Builder | undefined {
  for (const builder of BUILDERS)
    for (const folder of (path ?? '').split(delimiter)) {
      if (folder === '') continue;
      try {
        accessSync(join(folder, builder), constants.X_OK);
        return builder;
      } catch {
        // not in this folder
      }
    }
  return undefined;
}

export interface BuildInvocation {
  containerfile: string;
  context: string;
  image: string;
  /** `--build-arg NODE_IMAGE=...`; undefined keeps the Containerfile's default. */
  baseImage: string | undefined;
}

/**
 * The argv that builds one image. podman and buildah write OCI images by default, which drop
 * HEALTHCHECK: `--format docker` keeps it.
 */
export function buildArgv(builder: Builder, build: BuildInvocation): string[] {
  const head =
    builder === 'podman'
      ? ['podman', 'build', '--format', 'docker']
      : builder === 'buildah'
        ? ['buildah', 'bud', '--format', 'docker']
        : ['docker', 'build'];
  return [
    ...head,
    '-f',
    build.containerfile,
    '-t',
    build.image,
    ...(build.baseImage === undefined ? [] : ['--build-arg', `NODE_IMAGE=${build.baseImage}`]),
    build.context,
  ];
}

/** An argv as one line a POSIX shell runs as it is. */
export function shellLine(argv: readonly string[]): string {
  return argv
    .map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`))
    .join(' ');
}
