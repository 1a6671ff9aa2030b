import { lstat, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ExitCode, McpxError, isMcpxError } from '../errors.js';
import { runTool } from '../exec/run-tool.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { assertInsideWorkspace } from '../scaffold/inside.js';
import { editManifest, undoManifestEdit } from '../manifest/edit.js';
import { editJsonText } from '../manifest/json-text.js';
import { type Workspace, loadWorkspace } from '../manifest/load.js';
import { serverNameProblem } from '../manifest/names.js';
import type { ResolvedRole } from '../manifest/roles.js';
import type { ServerEntry } from '../manifest/schema.js';
import { type StagedCopy, stageTemplate } from '../scaffold/copy.js';
import { RUNTIME_DIR, addRuntime, hasRuntime } from '../scaffold/runtime.js';
import { templatePaths } from '../scaffold/templates.js';
import { type StepResult, type StepRunner, runStepsQuietly } from './steps.js';

export type Transport = 'stdio' | 'http';
export const TRANSPORTS: readonly Transport[] = ['stdio', 'http'];

/**
 * `transport` as one `mcpx new server` can scaffold, or the usage error that says why not: "sse"
 * is refused with its reason (deprecated) and what old clients can use instead.
 */
export function parseTransport(transport: string): Transport {
  if ((TRANSPORTS as readonly string[]).includes(transport)) return transport as Transport;
  if (transport.toLowerCase() === 'sse')
    throw new McpxError(
      'mcpx does not scaffold SSE servers: the HTTP+SSE transport (protocol 2024-11-05) is deprecated since 2025-03-26, replaced by Streamable HTTP.',
      {
        hint: '`mcpx new server <name> --transport http`; clients that speak only SSE reach it (and every server of the workspace) through the gateway of `mcpx dev` at http://127.0.0.1:7330/sse',
        exitCode: ExitCode.usage,
      },
    );
  throw new McpxError(
    `--transport does not take "${transport}": it is one of ${TRANSPORTS.join(', ')}.`,
    {
      hint: 'e.g. `mcpx new server --transport stdio`',
      exitCode: ExitCode.usage,
    },
  );
}

export interface NewServerOptions {
  /** The workspace folder, or any folder inside it. */
  dir: string;
  name: string;
  role: string;
  transport: Transport;
  description?: string | undefined;
  /** Run `npm install` in the workspace and typecheck the new server. */
  install: boolean;
  /** Aborting (Ctrl-C, SIGTERM) stops the current step and undoes every step done. */
  signal?: AbortSignal | undefined;
}

export interface NewServerResult {
  name: string;
  role: string;
  transport: Transport;
  /** The server's folder, relative to the workspace root. */
  path: string;
  packageName: string;
  entry: ServerEntry;
  files: string[];
  steps: StepResult[];
}

/** What a prompt for `mcpx new server` can offer: the workspace's roles and names in use. */
export async function newServerChoices(
  dir: string,
): Promise<{ roles: ResolvedRole[]; servers: string[] }> {
  const workspace = await loadWorkspace(dir);
  return {
    roles: [...workspace.roles.values()],
    servers: Object.keys(workspace.manifest.mcpServers),
  };
}

/**
 * Scaffolds `servers/<name>` from the role's template, registers it in mcpx.json, installs and
 * typechecks it. Any failure undoes what was done: no half-written folder, no manifest entry.
 */
export async function newServer(
  options: NewServerOptions,
  runSteps: StepRunner = runStepsQuietly,
): Promise<NewServerResult> {
  const workspace = await loadWorkspace(options.dir);
  const root = workspace.root;
  const path = `servers/${options.name}`;
  const target = join(root, path);
  const role = checkNewServer(workspace, options);
  await assertInsideWorkspace(root, target);
  await assertAbsent(target, path);

  const packageName = await serverPackageName(root, options.name);
  const entry: ServerEntry = {
    command: 'node',
    args: [options.transport === 'http' ? 'src/http.ts' : 'src/stdio.ts'],
    cwd: path,
    role: role.name,
    transport: options.transport,
  };
  const undo = new Undo();
  const serversDir = join(root, 'servers');
  const serversKind = await lstat(serversDir).then(
    (info) => (info.isDirectory() ? 'folder' : 'other'),
    () => 'missing',
  );
  if (serversKind === 'other') {
    throw new McpxError(`${serversDir} is not a folder; new servers go into servers/<name>.`, {
      hint: 'move that file away and run the command again',
    });
  }
  if (serversKind === 'missing') undo.push(() => rmdir(serversDir));
  let staged: StagedCopy | undefined;
  const lock = join(root, 'package-lock.json');
  const link = join(root, 'node_modules', ...packageName.split('/'));
  const hasTsc = (): Promise<boolean> => exists(join(root, 'node_modules', '.bin', 'tsc'));
  let canTypecheck = false;
  const runtimeThere = await hasRuntime(root);

  try {
    const steps = await runSteps([
      {
        title: `Check ${options.name}: name, role ${role.name}, ${options.transport}, ${path}`,
        run: async () => {
          await assertAbsent(target, path);
          throwIfAborted(options.signal);
        },
      },
      // Only in a workspace from an older mcpx: a new one has the runtime from `mcpx init`.
      ...(runtimeThere
        ? []
        : [
            {
              title: `Add ${RUNTIME_DIR}, the runtime the servers share`,
              run: async () => {
                undo.push(await addRuntime(root));
                throwIfAborted(options.signal);
              },
            },
          ]),
      {
        title: `Render the ${role.template} template into ${path}`,
        run: async () => {
          const template = templatePaths.server(role.template);
          staged = await stageTemplate(template, target, {
            name: options.name,
            description: options.description ?? '',
          });
          undo.push(() => staged?.discard());
          const pkgFile = join(staged.dir, 'package.json');
          const pkgText = await readFile(pkgFile, 'utf8');
          const description =
            options.description ?? (JSON.parse(pkgText) as { description?: string }).description;
          entry.description = description;
          await writeFile(
            pkgFile,
            editJsonText(pkgText, [
              { path: ['name'], value: packageName },
              { path: ['description'], value: description },
            ]),
          );
          await staged.commit().catch((error: unknown) => {
            if (isMcpxError(error)) throw error;
            // Another mcpx made the same folder between the check and the rename.
            throw new McpxError(
              `${path} appeared while mcpx was scaffolding it; nothing was kept.`,
              {
                hint: 'pick another server name, or move that folder away',
                cause: error,
              },
            );
          });
          undo.push(() => rm(target, { recursive: true, force: true }));
          throwIfAborted(options.signal);
        },
      },
      {
        title: `Register ${options.name} in mcpx.json`,
        run: async () => {
          const written = await editManifest(workspace, (current) => {
            // Another mcpx may have added servers meanwhile: keep theirs, refuse only a clash.
            assertNameFree(current, options.name);
            return [{ path: ['mcpServers', options.name], value: orderedEntry(entry) }];
          });
          undo.push(() => undoManifestEdit(written, ['mcpServers', options.name]));
          throwIfAborted(options.signal);
        },
      },
      {
        title: 'Install dependencies (npm install)',
        skip: () => (options.install ? undefined : '--no-install'),
        run: async (report) => {
          const lockBefore = await readFile(lock, 'utf8').catch(() => undefined);
          const linkExisted = await exists(link);
          undo.push(async () => {
            if (lockBefore === undefined) await rm(lock, { force: true });
            else await writeFileAtomic(lock, lockBefore);
            if (!linkExisted) await rm(link, { force: true, recursive: false });
          });
          await runTool('npm', ['install', '--no-audit', '--no-fund'], {
            cwd: root,
            onLine: report,
            signal: options.signal,
          });
          throwIfAborted(options.signal);
          canTypecheck = await hasTsc();
        },
      },
      {
        title: `Typecheck ${path}`,
        skip: () =>
          !options.install
            ? '--no-install'
            : canTypecheck
              ? undefined
              : 'no typescript in the workspace',
        run: async (report) => {
          await runTool(join(root, 'node_modules', '.bin', 'tsc'), ['-p', path, '--noEmit'], {
            cwd: root,
            onLine: report,
            signal: options.signal,
          });
          throwIfAborted(options.signal);
        },
      },
    ]);
    return {
      name: options.name,
      role: role.name,
      transport: options.transport,
      path,
      packageName,
      entry: orderedEntry(entry),
      files: staged?.files ?? [],
      steps,
    };
  } catch (error) {
    await undo.run();
    if (options.signal?.aborted === true) {
      throw new McpxError(`Interrupted; ${options.name} was not created and nothing was left.`, {
        exitCode: ExitCode.interrupted,
        cause: error,
      });
    }
    throw error;
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new Error('aborted');
}

function assertNameFree(workspace: Workspace, name: string): void {
  if (Object.hasOwn(workspace.manifest.mcpServers, name)) {
    throw new McpxError(`A server named "${name}" is already in ${workspace.file}.`, {
      hint: 'pick another name; names are unique in a workspace',
    });
  }
}

/** Validates the request against the workspace; returns the role. */
export function checkNewServer(
  workspace: Workspace,
  options: Pick<NewServerOptions, 'name' | 'role' | 'transport'>,
): ResolvedRole {
  const problem = serverNameProblem(options.name);
  if (problem !== undefined) {
    throw new McpxError(`"${options.name}" is not a valid server name: ${problem}.`, {
      hint: 'use lowercase letters, digits, "-" or "_", e.g. `mcpx new server weather-data`',
    });
  }
  assertNameFree(workspace, options.name);
  const role = workspace.roles.get(options.role);
  if (role === undefined) {
    throw new McpxError(`Unknown role "${options.role}".`, {
      hint: `use one of ${[...workspace.roles.keys()].join(', ')}, or declare the role under "roles" in mcpx.json`,
    });
  }
  parseTransport(options.transport);
  return role;
}

async function assertAbsent(target: string, path: string): Promise<void> {
  if (await exists(target)) {
    throw new McpxError(`${path} already exists; mcpx never overwrites a folder.`, {
      hint: 'pick another server name, or move that folder away',
    });
  }
}

/** `@<workspace>/<server>`: scoped, so a server named like a dependency ("zod") cannot shadow it. */
async function serverPackageName(root: string, name: string): Promise<string> {
  const pkg = await readFile(join(root, 'package.json'), 'utf8')
    .then((text) => JSON.parse(text) as { name?: unknown })
    .catch(() => ({ name: undefined }));
  const rootName = typeof pkg.name === 'string' ? pkg.name : 'mcp';
  const scope = rootName.startsWith('@') ? rootName.split('/')[0] : `@${rootName}`;
  return `${scope}/${name}`;
}

/** The standard launch fields first, mcpx's own after them, as a person would write the entry. */
function orderedEntry(entry: ServerEntry): ServerEntry {
  const { command, args, cwd, env, description, role, transport, ...rest } = entry;
  const ordered: Record<string, unknown> = {
    command,
    args,
    cwd,
    env,
    description,
    role,
    transport,
    ...rest,
  };
  for (const key of Object.keys(ordered)) if (ordered[key] === undefined) delete ordered[key];
  return ordered as ServerEntry;
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

/** Actions that reverse completed steps, run newest first; an undo that fails does not stop the rest. */
class Undo {
  readonly #actions: (() => Promise<unknown> | undefined)[] = [];
  push(action: () => Promise<unknown> | undefined): void {
    this.#actions.push(action);
  }
  async run(): Promise<void> {
    for (const action of this.#actions.reverse()) {
      await Promise.resolve()
        .then(action)
        .catch(() => undefined);
    }
  }
}
