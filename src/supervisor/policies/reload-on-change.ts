import { matchesGlob, relative, sep } from 'node:path';
import type { Clock } from '../../clock.js';
import { type FileWatch, watchFiles } from '../file-watch.js';

export interface WatchedServer {
  name: string;
  /** The server's folder. */
  root: string;
  /** Globs relative to `root`; undefined watches everything in it but the ignored folders. */
  globs?: readonly string[] | undefined;
}

/** Never a reason to reload: dependencies, build output, mcpx's own state, VCS data. */
const IGNORED = new Set(['node_modules', 'dist', '.mcpx', '.git', 'coverage']);

const isIgnored = (rel: string): boolean => rel.split(sep).some((part) => IGNORED.has(part));

/**
 * Watches each server's files and calls `onChange` with the names of the servers whose files
 * changed: at once for the first change after a quiet period, and once more when a burst of
 * changes (an editor's write-then-rename, a git checkout) settles for `debounceMs`. Only the
 * servers that changed reload; a reload superseded by a later change in the burst is cancelled.
 */
export async function watchServers(
  servers: readonly WatchedServer[],
  onChange: (names: Set<string>) => void,
  options: { debounceMs?: number; clock?: Clock } = {},
): Promise<FileWatch> {
  const owners = (path: string): string[] =>
    servers
      .filter((server) => {
        const rel = relative(server.root, path);
        if (rel === '' || rel.startsWith('..')) return false;
        if (isIgnored(rel)) return false;
        return server.globs === undefined || server.globs.some((glob) => matchesGlob(rel, glob));
      })
      .map((server) => server.name);
  // Relative to each server's folder: a workspace that itself sits under a folder named `dist`
  // or `.git` (a build tree, a submodule) must still be watched.
  const ignored = (path: string): boolean =>
    servers.some((server) => {
      const rel = relative(server.root, path);
      return rel !== '' && !rel.startsWith('..') && isIgnored(rel);
    });
  return watchFiles(
    [...new Set(servers.map((s) => s.root))],
    // Editors save by writing a temp file and renaming it; atomic handling reports one change.
    { atomic: true, ignored },
    owners,
    // Leading: a save reloads at once; more saves within the window supersede that reload.
    // A truncate-then-write save reports two changes, up to 155 ms apart: it is one save.
    {
      onChange,
      debounceMs: options.debounceMs,
      clock: options.clock,
      leading: true,
      oneSaveOneReload: true,
    },
  );
}
