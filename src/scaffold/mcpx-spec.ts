import { readFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';

/** The npm spec a workspace records for mcpx, and whether it only works on this machine. */
export interface McpxSpec {
  /** As it goes into devDependencies: `^0.2.0`, `github:o/mcpx#<sha>`, `file:/x/mcpx-0.1.0.tgz`. */
  spec: string;
  /** Where the spec came from, for the message after init. */
  from: 'flag' | 'registry' | 'git' | 'url' | 'tarball' | 'folder';
  /** A path on this machine: `npm ci` on another machine (CI) cannot install it. */
  local: boolean;
}

interface LockEntry {
  version?: string;
  resolved?: string;
  link?: boolean;
}

/**
 * How mcpx was installed, as an npm spec another machine can install it from. npm no longer
 * writes `_resolved`/`_from` into an installed package.json, but the project that installed mcpx
 * (a project's node_modules, npx's cache folder, a global prefix) keeps a lockfile whose entry for
 * `node_modules/mcpx` has `resolved`: a registry tarball URL (then `^version`), a git URL with its
 * commit, or a `file:` path. mcpx run from a checkout has no such entry: its folder is the spec.
 */
export async function detectMcpxSpec(
  mcpxRoot: string,
  version: string,
  workspace: string,
): Promise<McpxSpec> {
  const installed =
    basename(dirname(mcpxRoot)) === 'node_modules' ? dirname(dirname(mcpxRoot)) : undefined;
  const entry = installed === undefined ? undefined : await lockEntry(installed);
  const resolved = entry?.resolved;
  if (installed !== undefined && resolved !== undefined && entry?.link !== true) {
    if (/^https?:\/\/.*\/mcpx\/-\/mcpx-[^/]+\.tgz$/.test(resolved))
      return { spec: `^${entry?.version ?? version}`, from: 'registry', local: false };
    if (/^(?:git\+|git:|github:|gitlab:|bitbucket:)/.test(resolved))
      return { spec: resolved, from: 'git', local: false };
    if (/^https?:\/\//.test(resolved)) return { spec: resolved, from: 'url', local: false };
    if (resolved.startsWith('file:')) {
      const path = resolve(installed, resolved.slice('file:'.length));
      return { spec: fileSpec(path, workspace), from: 'tarball', local: true };
    }
  }
  return { spec: fileSpec(mcpxRoot, workspace), from: 'folder', local: true };
}

/** A spec given by the user (`--mcpx-spec`): taken as it is. */
export function givenMcpxSpec(spec: string): McpxSpec {
  const local = /^(?:file:|link:|\.{0,2}\/|~\/)/.test(spec) || isAbsolute(spec);
  return { spec, from: 'flag', local };
}

/** The lockfile entry of mcpx in the project at `dir`: npm's hidden lockfile first, then the real one. */
async function lockEntry(dir: string): Promise<LockEntry | undefined> {
  for (const file of [
    join(dir, 'node_modules', '.package-lock.json'),
    join(dir, 'package-lock.json'),
  ]) {
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    try {
      const lock = JSON.parse(text) as { packages?: Record<string, LockEntry> };
      const entry = lock.packages?.['node_modules/mcpx'];
      if (entry !== undefined) return entry;
    } catch {
      // A broken lockfile tells nothing; the next one may.
    }
  }
  return undefined;
}

/**
 * `file:` with a path relative to the workspace when mcpx's folder contains it (the examples in a
 * checkout of mcpx: the pair moves together), else absolute.
 */
function fileSpec(path: string, workspace: string): string {
  const rel = relative(resolve(workspace), path);
  const inside = relative(path, resolve(workspace));
  return !inside.startsWith('..') && !isAbsolute(inside) ? `file:${rel || '.'}` : `file:${path}`;
}
