import { lstat, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, relative } from 'node:path';
import { McpxError } from '../errors.js';

/**
 * Refuses to scaffold at `target` when any existing part of its path is a symbolic link, or
 * resolves outside the workspace: scaffolding writes only inside the workspace it was asked to,
 * never through a link into some other folder (a `servers` link to a shared checkout, say).
 */
export async function assertInsideWorkspace(root: string, target: string): Promise<void> {
  const realRoot = await realpath(root);
  const rel = relative(root, target);
  if (rel.startsWith('..') || isAbsolute(rel)) throw outside(root, target, target);
  for (let path = target; path !== root && path !== dirname(path); path = dirname(path)) {
    const info = await lstat(path).catch(() => undefined);
    if (info === undefined) continue;
    if (info.isSymbolicLink()) throw outside(root, target, path);
    const real = await realpath(path);
    const inside = relative(realRoot, real);
    if (inside.startsWith('..') || isAbsolute(inside)) throw outside(root, target, path);
  }
}

function outside(root: string, target: string, link: string): McpxError {
  const name = relative(root, link) || link;
  return new McpxError(
    `${name} is a symbolic link or leads outside the workspace ${root}; mcpx scaffolds only inside it.`,
    {
      hint: `replace ${name} with a real folder in the workspace, or scaffold ${relative(root, target)} by hand`,
    },
  );
}
