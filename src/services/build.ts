import { spawn } from 'node:child_process';
import { cp, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type Builder, buildArgv, findBuilder, shellLine } from '../build/builder.js';
import { DOCKERIGNORE_MARK, STAGED_MCPX, dockerignoreFile } from '../build/containerfile.js';
import { GATEWAY, type ImagePlan, gatewayPlan, serverPlan } from '../build/plan.js';
import { ExitCode, McpxError, fileSystemError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { loadWorkspace } from '../manifest/load.js';
import { selectServers } from '../manifest/select.js';
import { readLines } from '../server/lines.js';

export interface BuildOptions {
  dir: string;
  /** One server, or `gateway`; undefined: every enabled server and the gateway. */
  server: string | undefined;
  tag: string;
  registry: string | undefined;
  /** `--build-arg NODE_IMAGE=...`: another Node 24 base (a local one, a mirror). */
  baseImage: string | undefined;
  /** Write the files and print the commands instead of running a builder. */
  print: boolean;
  /** The installed mcpx package (bin/, dist/): what the gateway and bridge images copy. */
  mcpxRoot: string;
  /** Where builders are looked for. */
  path?: string | undefined;
  /** Each line the builder prints (stdout and stderr). */
  onBuilderLine: (line: string) => void;
  /** Said before each image is built. */
  onStep: (line: string) => void;
}

export interface BuiltImage {
  name: string;
  kind: ImagePlan['kind'];
  image: string;
  containerfile: string;
  command: readonly string[];
  /** The shell line that builds it (with the builder found, or podman). */
  buildCommand: string;
}

export interface BuildResult {
  root: string;
  images: BuiltImage[];
  /** Servers with no image to build: a `url` runs elsewhere. */
  skipped: { name: string; why: string }[];
  /** The builder that ran; undefined when none ran (--print, or none found). */
  builder: Builder | undefined;
  /** Why the images were not built, when they were not. */
  notBuilt: string | undefined;
  /** The .dockerignore was the user's own and was kept. */
  keptDockerignore: boolean;
}

/**
 * `mcpx build`: plans every image first (any bad input fails before a file is written), writes the
 * Containerfiles and .dockerignore, stages the mcpx bundle when an image needs it, then runs the
 * first builder found (podman, buildah, docker) per image, or hands back the commands.
 */
export async function build(options: BuildOptions): Promise<BuildResult> {
  const workspace = await loadWorkspace(options.dir);
  const { root } = workspace;
  const wantsGateway =
    options.server === undefined || (options.server === GATEWAY && !workspace.servers.has(GATEWAY));
  const names = options.server === undefined ? undefined : wantsGateway ? [] : [options.server];
  const plans: ImagePlan[] = [];
  const skipped: BuildResult['skipped'] = [];
  for (const server of selectServers(workspace, names)) {
    if (server.remote) {
      skipped.push({ name: server.name, why: `runs elsewhere (${server.entry.url ?? 'url'})` });
      continue;
    }
    plans.push(serverPlan(root, server, options.tag, options.registry));
  }
  if (wantsGateway) plans.push(gatewayPlan(options.tag, options.registry));
  const clash = plans.find((p, i) => plans.some((q, j) => j < i && q.image === p.image));
  if (clash !== undefined)
    throw new McpxError(
      `Two images would be named ${clash.image}: ${plans
        .filter((p) => p.image === clash.image)
        .map((p) => (p.kind === 'gateway' ? 'the gateway' : `server ${p.name}`))
        .join(' and ')}.`,
      { hint: 'rename one of the servers in mcpx.json (Kubernetes names map _ to -)' },
    );
  if (plans.some((p) => p.bundle)) await checkBundle(options.mcpxRoot);

  let keptDockerignore = false;
  try {
    for (const plan of plans) {
      const file = join(root, plan.containerfile);
      await mkdir(dirname(file), { recursive: true });
      await writeFileAtomic(file, plan.text);
    }
    const ignore = join(root, '.dockerignore');
    const existing = await readFile(ignore, 'utf8').catch(() => undefined);
    if (existing === undefined || existing.startsWith(DOCKERIGNORE_MARK))
      await writeFileAtomic(ignore, dockerignoreFile());
    else keptDockerignore = true;
    if (plans.some((p) => p.bundle)) await stageBundle(options.mcpxRoot, join(root, STAGED_MCPX));
  } catch (error) {
    throw fileSystemError(error) ?? error;
  }

  const builder = options.print ? undefined : findBuilder(options.path);
  const invocation = (plan: ImagePlan): string[] =>
    buildArgv(builder ?? 'podman', {
      containerfile: plan.containerfile,
      context: '.',
      image: plan.image,
      baseImage: options.baseImage,
    });
  const images = plans.map((plan) => ({
    name: plan.name,
    kind: plan.kind,
    image: plan.image,
    containerfile: plan.containerfile,
    command: plan.command,
    buildCommand: shellLine(invocation(plan)),
  }));
  const result: BuildResult = {
    root,
    images,
    skipped,
    builder,
    notBuilt: options.print
      ? '--print'
      : builder === undefined
        ? 'no podman, buildah or docker on PATH'
        : undefined,
    keptDockerignore,
  };
  if (builder === undefined) return result;
  for (const plan of plans) {
    const argv = invocation(plan);
    options.onStep(`$ (cd ${root} && ${shellLine(argv)})`);
    const code = await runBuilder(argv, root, options.onBuilderLine);
    if (code !== 0)
      throw new McpxError(`${builder} could not build ${plan.image} (exit ${code}).`, {
        hint: `its output is above; run \`${shellLine(argv)}\` in ${root} to retry`,
        exitCode: ExitCode.checkFailed,
      });
  }
  return result;
}

/** The parts of the mcpx package that run `mcpx gateway` and `mcpx bridge` in an image. */
const BUNDLE_PARTS = [
  'package.json',
  'oclif.manifest.json',
  'bin/run.js',
  'bin/stdout-closed.js',
  'dist',
];

async function checkBundle(mcpxRoot: string): Promise<void> {
  for (const part of BUNDLE_PARTS)
    if (
      !(await stat(join(mcpxRoot, part)).then(
        () => true,
        () => false,
      ))
    )
      throw new McpxError(
        `This mcpx (${mcpxRoot}) has no ${part}: the gateway and bridge images copy the built mcpx.`,
        { hint: `build it first: \`npm run build\` in ${mcpxRoot}` },
      );
}

/** Copies the bundle beside its old copy, then swaps: an image never copies half of one. */
async function stageBundle(mcpxRoot: string, target: string): Promise<void> {
  const fresh = `${target}.new`;
  const old = `${target}.old`;
  await rm(fresh, { recursive: true, force: true });
  for (const part of BUNDLE_PARTS)
    await cp(join(mcpxRoot, part), join(fresh, part), { recursive: true, dereference: true });
  await rm(old, { recursive: true, force: true });
  await rename(target, old).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  await rename(fresh, target);
  await rm(old, { recursive: true, force: true });
}

function runBuilder(
  argv: readonly string[],
  cwd: string,
  onLine: (line: string) => void,
): Promise<number> {
  const [command = '', ...args] = argv;
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const reading = Promise.all([readLines(child.stdout, onLine), readLines(child.stderr, onLine)]);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      void reading.then(() => resolve(code ?? (signal === null ? 1 : 128)));
    });
  });
}
