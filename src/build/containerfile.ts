/**
 * The text of the Containerfiles `mcpx build` writes. Every image runs as uid 65532 (no root, no
 * name needed in /etc/passwd), listens on 8080 and answers `/healthz`, so that the manifests of
 * `mcpx k8s render` fit any of them.
 */

/** The base image unless `--base-image` says otherwise: Debian slim with Node 24. */
export const DEFAULT_BASE_IMAGE = 'docker.io/library/node:24-bookworm-slim';
/** Where the mcpx bundle lives in an image, and the one-line entry the manifests run. */
export const MCPX_HOME = '/opt/mcpx';
export const MCPX_ENTRY = '/app/mcpx.js';
export const CONTAINER_PORT = 8080;
export const CONTAINER_USER = 65532;
/** Where `mcpx build` stages the mcpx bundle inside the workspace (the build context). */
export const STAGED_MCPX = '.mcpx/build/mcpx';

/** What runs in the container, as exec-form arguments. */
export type ContainerCommand = readonly string[];

/** `mcpx bridge` in front of a stdio-only command: the container command for such a server. */
export function bridgeCommand(command: string, args: readonly string[]): ContainerCommand {
  return [
    'node',
    MCPX_ENTRY,
    'bridge',
    '--http',
    `0.0.0.0:${CONTAINER_PORT}`,
    '--',
    command,
    ...args,
  ];
}

/** The gateway over the members the ConfigMap mounts (the contract with `mcpx k8s render`). */
export const GATEWAY_COMMAND: ContainerCommand = [
  'node',
  MCPX_ENTRY,
  'gateway',
  '--members',
  '/etc/mcpx/members.json',
  '--host',
  '0.0.0.0',
  '--port',
  String(CONTAINER_PORT),
];

const header = (what: string): string[] => [
  `# ${what}`,
  '# Written by `mcpx build`, which rewrites it: change mcpx.json or the server, not this file.',
  `ARG NODE_IMAGE=${DEFAULT_BASE_IMAGE}`,
];

// node -e rather than curl: the slim base has no curl, and the process is node anyway. PORT as
// the container is told (Kubernetes may set another), 8080 by default.
const healthcheck = [
  'HEALTHCHECK --interval=10s --timeout=10s --start-period=10s \\',
  `  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || ${CONTAINER_PORT}) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]`,
];

const runtime = (command: ContainerCommand, env: string[] = []): string[] => [
  `ENV NODE_ENV=production HOST=0.0.0.0 PORT=${CONTAINER_PORT}${env.map((e) => ` ${e}`).join('')}`,
  `USER ${CONTAINER_USER}:${CONTAINER_USER}`,
  `EXPOSE ${CONTAINER_PORT}`,
  ...healthcheck,
  `CMD ${JSON.stringify(command).replaceAll('","', '", "')}`,
];

const mcpxBundle = [
  `COPY ${STAGED_MCPX} ${MCPX_HOME}`,
  `RUN printf '%s\\n' "import '${MCPX_HOME}/bin/run.js';" > ${MCPX_ENTRY}`,
];

/**
 * A server of the npm workspace: `npm ci --omit=dev -w <dir>` in a build stage, then the server's
 * folder as /app with the installed node_modules and the workspace packages those link to, where
 * the links point (../<dir> from /app/node_modules).
 */
export function workspaceServerFile(options: {
  server: string;
  dir: string;
  localDeps: readonly string[];
  command: ContainerCommand;
  bundle: boolean;
}): string {
  const { server, dir, localDeps, command, bundle } = options;
  return [
    ...header(`Image of MCP server "${server}" (${dir}).`),
    '',
    'FROM ${NODE_IMAGE} AS build',
    'WORKDIR /w',
    'COPY . .',
    `RUN npm ci --omit=dev --no-audit --no-fund -w ${dir}`,
    '',
    'FROM ${NODE_IMAGE}',
    'WORKDIR /app',
    'COPY --from=build /w/node_modules ./node_modules',
    ...localDeps.map((dep) => `COPY --from=build /w/${dep} ./${dep}`),
    `COPY --from=build /w/${dir} ./`,
    ...(bundle ? mcpxBundle : []),
    ...runtime(command),
    '',
  ].join('\n');
}

/**
 * A command that is not a workspace package (`npx some-mcp`): node, the mcpx bundle as the bridge,
 * and the command as written. npm's cache goes to /tmp, the one writable folder under a read-only
 * root file system.
 */
export function commandServerFile(server: string, command: ContainerCommand): string {
  return [
    ...header(`Image of MCP server "${server}": a stdio command behind \`mcpx bridge\`.`),
    '',
    'FROM ${NODE_IMAGE}',
    'WORKDIR /app',
    ...mcpxBundle,
    ...runtime(command, [
      'HOME=/tmp',
      'npm_config_cache=/tmp/.npm',
      'npm_config_update_notifier=false',
    ]),
    '',
  ].join('\n');
}

/** The gateway: node and the mcpx bundle. */
export function gatewayFile(): string {
  return [
    ...header('Image of the mcpx gateway (`mcpx gateway` over the servers of mcpx k8s render).'),
    '',
    'FROM ${NODE_IMAGE}',
    'WORKDIR /app',
    ...mcpxBundle,
    ...runtime(GATEWAY_COMMAND),
    '',
  ].join('\n');
}

/** The build context is the workspace: keep installs, logs, secrets and git out of it. */
export const DOCKERIGNORE_MARK = '# Written by `mcpx build`.';
export function dockerignoreFile(): string {
  return [
    DOCKERIGNORE_MARK,
    '# The context of every image is the workspace root: only sources and lock files go in;',
    '# node_modules is installed in the image by npm ci. Delete the first line to make this file yours: mcpx build then leaves it alone.',
    '**/node_modules',
    '.git',
    '**/.env',
    '**/.env.*',
    // Everything mcpx keeps in .mcpx but the bundle the images copy.
    '.mcpx/*',
    '!.mcpx/build',
    '.mcpx/build/*',
    `!${STAGED_MCPX}`,
    '',
  ].join('\n');
}
