import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { McpxError } from '../errors.js';
import type { LocalServerConfig } from '../manifest/servers.js';
import { kubernetesName } from '../k8s/names.js';
import {
  type ContainerCommand,
  GATEWAY_COMMAND,
  bridgeCommand,
  commandServerFile,
  gatewayFile,
  workspaceServerFile,
} from './containerfile.js';
import { workspacePackage } from './workspace-package.js';

/** Commands that download the server they run, so that an image needs nothing of the workspace. */
const FETCHING_COMMANDS = ['npx'];

/** The HTTP entry of a scaffolded server, relative to its folder. */
export const HTTP_ENTRY = 'src/http.ts';

/**
 * How a server runs in its container:
 * - `entry`: a workspace package with an HTTP entry runs it, whatever its dev transport;
 * - `bridge`: anything else (a workspace package without one, or a command such as `npx pkg`)
 *   runs behind `mcpx bridge`, which serves its stdio as Streamable HTTP.
 */
export type ImageKind = 'entry' | 'bridge' | 'gateway';

export interface ImagePlan {
  /** The mcpx server name, or `gateway`. */
  name: string;
  kind: ImageKind;
  /** `[registry/]mcpx-<kubernetes name>:<tag>`: the names `mcpx k8s render` uses. */
  image: string;
  /** Relative to the workspace root, with `/`. */
  containerfile: string;
  /** The container's command. */
  command: ContainerCommand;
  /** The Containerfile's text. */
  text: string;
  /** Whether the image copies the mcpx bundle. */
  bundle: boolean;
}

/** Where the Containerfiles go, relative to the workspace root. */
export const IMAGES_DIR = 'deploy/images';

export function imageName(name: string, tag: string, registry: string | undefined): string {
  const repository = `mcpx-${name === GATEWAY ? GATEWAY : kubernetesName(name)}`;
  return `${registry === undefined ? '' : `${registry.replace(/\/+$/, '')}/`}${repository}:${tag}`;
}

export const GATEWAY = 'gateway';

/** The image of one local server. */
export function serverPlan(
  root: string,
  server: LocalServerConfig,
  tag: string,
  registry: string | undefined,
): ImagePlan {
  const pkg = workspacePackage(root, server.cwd, server.name);
  // Outside a workspace package the image has node, npm and mcpx, nothing of the workspace: only
  // a command that fetches its server itself can run there.
  if (pkg === undefined && !FETCHING_COMMANDS.includes(server.command))
    throw new McpxError(
      `Server ${server.name} runs \`${[server.command, ...server.args].join(' ')}\` in ${server.cwd}, which is not a package of the npm workspace: its image would not have that command's files.`,
      {
        hint: `make its folder a workspace package (a package.json listed in "workspaces"), or run it with npx; or leave it out: \`mcpx build <server>\` for the others`,
      },
    );
  const hasEntry = pkg !== undefined && existsSync(join(server.cwd, HTTP_ENTRY));
  const command = hasEntry ? ['node', HTTP_ENTRY] : bridgeCommand(server.command, server.args);
  const text =
    pkg === undefined
      ? commandServerFile(server.name, command)
      : workspaceServerFile({
          server: server.name,
          dir: pkg.dir,
          localDeps: pkg.localDeps,
          command,
          bundle: !hasEntry,
        });
  return {
    name: server.name,
    kind: hasEntry ? 'entry' : 'bridge',
    image: imageName(server.name, tag, registry),
    containerfile: `${IMAGES_DIR}/${kubernetesName(server.name)}/Containerfile`,
    command,
    text,
    bundle: !hasEntry,
  };
}

export function gatewayPlan(tag: string, registry: string | undefined): ImagePlan {
  return {
    name: GATEWAY,
    kind: 'gateway',
    image: imageName(GATEWAY, tag, registry),
    containerfile: `${IMAGES_DIR}/${GATEWAY}/Containerfile`,
    command: GATEWAY_COMMAND,
    text: gatewayFile(),
    bundle: true,
  };
}
