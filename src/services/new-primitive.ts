import { mkdir, readFile, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { McpxError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { loadWorkspace } from '../manifest/load.js';
import type { LocalServerConfig } from '../manifest/servers.js';
import { primitiveNameProblem, primitiveSpellings } from '../manifest/names.js';
import type { PrimitiveKind } from '../manifest/roles.js';
import { assertInsideWorkspace } from '../scaffold/inside.js';
import { ANCHORS, type AnchorName, insertAtAnchor } from '../scaffold/anchors.js';
import { singular, templatePaths } from '../scaffold/templates.js';

export interface NewPrimitiveOptions {
  dir: string;
  kind: PrimitiveKind;
  /** As clients will see it, e.g. `get_forecast`; a resource's URI uses the kebab form. */
  name: string;
  server: string;
  /**
   * What clients (and the models behind them) read to decide when to use it. Default: the
   * template's, led by this primitive's title, so that no two new ones read the same.
   */
  description?: string | undefined;
}

export interface NewPrimitiveResult {
  kind: PrimitiveKind;
  name: string;
  server: string;
  /** Files created and changed, relative to the workspace root. */
  created: string[];
  changed: string[];
}

export interface PrimitiveServers {
  /** The manifest. */
  file: string;
  /** The server to use without asking: the one whose folder holds `cwd`, or the only eligible one. */
  detected: string | undefined;
  /** Scaffolded servers whose role allows the kind, in manifest order: what to choose from. */
  eligible: string[];
}

/**
 * Which server a new primitive goes to when --server is not given. The folder the user is in
 * wins (even when the server's role refuses the kind: `newPrimitive` then says so), then the only
 * scaffolded server whose role allows the kind. Throws when no server could take it at all.
 */
export async function primitiveServers(options: {
  dir: string;
  kind: PrimitiveKind;
  cwd: string;
}): Promise<PrimitiveServers> {
  const workspace = await loadWorkspace(options.dir);
  const real = (path: string): Promise<string> => realpath(path).catch(() => path);
  const here = await real(options.cwd);
  // Servers mcpx scaffolded have their own folder ("cwd"); primitives go nowhere else.
  const scaffolded = [...workspace.servers.values()].filter(
    (s): s is LocalServerConfig => !s.remote && s.entry.cwd !== undefined,
  );
  let inside: { name: string; depth: number } | undefined;
  for (const server of scaffolded) {
    const folder = await real(server.cwd);
    if (here !== folder && !here.startsWith(folder + sep)) continue;
    if (inside === undefined || folder.length > inside.depth)
      inside = { name: server.name, depth: folder.length };
  }
  const eligible = scaffolded
    .filter((s) => s.role === undefined || s.role.primitives.includes(options.kind))
    .map((s) => s.name);
  const one = singular(options.kind);
  if (inside === undefined && eligible.length === 0) {
    throw new McpxError(`No server in ${workspace.file} can take a ${one}.`, {
      hint:
        scaffolded.length === 0
          ? `create one with \`mcpx new server <name>\``
          : `create one whose role allows ${options.kind}, e.g. \`mcpx new server <name> --role ${options.kind}\``,
    });
  }
  return {
    file: workspace.file,
    detected: inside?.name ?? (eligible.length === 1 ? eligible[0] : undefined),
    eligible,
  };
}

/**
 * Adds one tool, resource or prompt to a scaffolded server: a file from templates/primitives and
 * its registration. Refused where the server's role does not allow the kind. All files are written
 * or none.
 */
export async function newPrimitive(options: NewPrimitiveOptions): Promise<NewPrimitiveResult> {
  const { kind, server } = options;
  const one = singular(kind);
  const problem = primitiveNameProblem(options.name);
  if (problem !== undefined) {
    throw new McpxError(`"${options.name}" is not a valid ${one} name: ${problem}.`, {
      hint: `e.g. \`mcpx new ${one} get_forecast --server ${server}\``,
    });
  }
  const workspace = await loadWorkspace(options.dir);
  const config = workspace.servers.get(server);
  if (config === undefined) {
    const names = [...workspace.servers.keys()];
    throw new McpxError(`No server named "${server}" in ${workspace.file}.`, {
      hint:
        names.length > 0 ? `use one of: ${names.join(', ')}` : 'create one with `mcpx new server`',
    });
  }
  const role = config.role;
  if (role !== undefined && !role.primitives.includes(kind)) {
    const allowing = [...workspace.roles.values()]
      .filter((r) => r.primitives.includes(kind))
      .map((r) => r.name);
    throw new McpxError(
      `Server "${server}" has role "${role.name}", which allows ${role.primitives.join(' and ')}, not ${kind}.`,
      {
        hint: `put the ${one} in a server whose role allows ${kind} (${allowing.join(', ')}), e.g. \`mcpx new server <name> --role ${allowing[0] ?? 'tools'}\``,
      },
    );
  }
  if (config.remote || config.entry.cwd === undefined) {
    throw new McpxError(`Server "${server}" was not scaffolded by mcpx (it has no "cwd").`, {
      hint: 'mcpx adds primitives only to servers made with `mcpx new server`',
    });
  }
  const src = join(config.cwd, 'src');
  const serverFile = join(src, 'server.ts');
  const spell = primitiveSpellings(options.name);
  const kindDir = join(src, kind);
  const file = join(kindDir, `${spell.kebab}.ts`);
  for (const path of [serverFile, file, join(kindDir, 'index.ts')])
    await assertInsideWorkspace(workspace.root, path);
  const serverText = await readFile(serverFile, 'utf8').catch(() => undefined);
  if (serverText === undefined) {
    throw new McpxError(`${relative(workspace.root, serverFile)} does not exist.`, {
      hint: 'mcpx adds primitives only to servers made with `mcpx new server`',
    });
  }

  const rel = (path: string): string => relative(workspace.root, path);
  // Only the kind's own .ts files: a user's subfolder or notes there are none of mcpx's business.
  const existing = (await readdir(kindDir, { withFileTypes: true }).catch(() => []))
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => e.name);
  if (existing.includes(`${spell.kebab}.ts`)) {
    throw new McpxError(`${rel(file)} already exists; mcpx never overwrites a file.`, {
      hint: `pick another ${one} name`,
    });
  }
  for (const other of existing) {
    const text = await readFile(join(kindDir, other), 'utf8');
    if (text.includes(`'${spell.snake}'`) || text.includes(`"${spell.snake}"`)) {
      throw new McpxError(
        `Server "${server}" already has a ${one} named "${spell.snake}" (in ${rel(join(kindDir, other))}).`,
        {
          hint: `pick another ${one} name`,
        },
      );
    }
  }

  const register = `register${spell.pascal}`;
  const primitiveText = renderPrimitive(
    await readFile(templatePaths.primitive(kind), 'utf8'),
    spell,
    options.description,
  );
  const indexFile = join(kindDir, 'index.ts');
  const indexBefore = await readFile(indexFile, 'utf8').catch(() => undefined);
  const indexText = await readFile(templatePaths.primitiveIndex(kind), 'utf8');
  const created: Record<string, string> = { [file]: primitiveText };
  const changed: Record<string, { before: string; after: string }> = {};

  const insert = (path: string, text: string, anchor: AnchorName, line: string): string => {
    const result = insertAtAnchor(text, anchor, line);
    if (result === undefined) {
      throw new McpxError(
        `${rel(path)} has no \`${ANCHORS[anchor]}\` line, so mcpx cannot register the ${one}.`,
        {
          hint: `put the line \`${ANCHORS[anchor]}\` back where new ${anchor === 'imports' ? 'imports' : 'registrations'} go, or add \`${line}\` by hand`,
        },
      );
    }
    return result;
  };
  let index = indexBefore ?? indexText;
  index = insert(indexFile, index, 'imports', `import { ${register} } from './${spell.kebab}.ts';`);
  index = insert(indexFile, index, 'register', `${register}(server);`);
  if (indexBefore === undefined) {
    // The server's first primitive of this kind: the kind's index must be wired into server.ts.
    const registerKind = `register${kind.charAt(0).toUpperCase()}${kind.slice(1)}`;
    created[indexFile] = index;
    let serverAfter = insert(
      serverFile,
      serverText,
      'imports',
      `import { ${registerKind} } from './${kind}/index.ts';`,
    );
    serverAfter = insert(serverFile, serverAfter, 'register', `${registerKind}(server);`);
    changed[serverFile] = { before: serverText, after: serverAfter };
  } else {
    changed[indexFile] = { before: indexBefore, after: index };
  }

  const written: string[] = [];
  const replaced: string[] = [];
  const madeDir = (await mkdir(kindDir, { recursive: true })) !== undefined;
  try {
    for (const [path, text] of Object.entries(created)) {
      await writeFile(path, text, { flag: 'wx' });
      written.push(path);
    }
    for (const [path, { after }] of Object.entries(changed)) {
      await writeFileAtomic(path, after);
      replaced.push(path);
    }
  } catch (error) {
    for (const path of replaced)
      await writeFileAtomic(path, changed[path]?.before ?? '').catch(() => {});
    for (const path of written) await rm(path, { force: true });
    if (madeDir) await rm(kindDir, { recursive: true, force: true });
    throw error;
  }
  return {
    kind,
    name: spell.snake,
    server,
    created: Object.keys(created).map(rel).sort(),
    changed: Object.keys(changed).map(rel).sort(),
  };
}

/** The first `description: '...'` of a template: the primitive's own (later ones are its fields'). */
const DESCRIPTION = /(description:\s*)'((?:[^'\\\n]|\\.)*)'/;

/**
 * Replaces the template's tokens (each a distinct identifier or string in the template) and sets
 * the primitive's description: `description`, else the template's led by the title.
 */
export function renderPrimitive(
  template: string,
  spell: ReturnType<typeof primitiveSpellings>,
  description?: string,
): string {
  return (
    template
      .replaceAll('TemplateName', spell.pascal)
      .replaceAll('template_name', spell.snake)
      .replaceAll('template-name', spell.kebab)
      .replaceAll('Template name', spell.title)
      // Last, so that the tokens are not looked for in the user's text.
      .replace(DESCRIPTION, (_, key: string, text: string) => {
        const own =
          description ?? `${spell.title}: ${text.charAt(0).toLowerCase()}${text.slice(1)}`;
        return `${key}${singleQuoted(own)}`;
      })
  );
}

/** A TypeScript string literal in the templates' quotes, whatever the text holds. */
function singleQuoted(text: string): string {
  const escaped = JSON.stringify(text).slice(1, -1).replaceAll('\\"', '"').replaceAll("'", "\\'");
  return `'${escaped}'`;
}
