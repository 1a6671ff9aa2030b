// Loaded with `node --import` into every instance of a server that a standby may stand in for: it
// learns which dependency modules the server loads (outside its own folder, or in node_modules),
// so that the next standby can import them before it is needed. Only Node's builtins here: this
// runs inside the user's server, before its code.
import { mkdirSync, readFileSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** protocol.ts's LEARN_VAR: this file imports nothing of mcpx, since Node runs it as it is. */
const LEARN_VAR = 'MCPX_STANDBY_LEARN';

/** Written this long after the last new module: a server imports in bursts (start, a lazy import). */
const WRITE_AFTER_MS = 100;

const file = process.env[LEARN_VAR];
if (file !== undefined && file !== '') {
  // Not inherited by what the server starts: a child Node would write its own modules here.
  delete process.env[LEARN_VAR];
  learn(file);
}

function learn(file: string): void {
  const own = new URL('.', import.meta.url).href;
  const folder = pathToFileURL(`${process.cwd()}/`).href;
  // The server's own code: its folder (but its node_modules), and its entry's folder, wherever
  // that is: an entry in node_modules (`node node_modules/pkg/dist/index.js`) starts the server
  // when imported, so a standby must not import it ahead. Read when asked, and remembered: in a
  // standby, argv names the entry only once the runner has set it.
  let entryFolder: { argv: string | undefined; url: string | undefined } | undefined;
  const entryUrl = (): string | undefined => {
    const entry = process.argv[1];
    if (entryFolder === undefined || entryFolder.argv !== entry)
      entryFolder = { argv: entry, url: entry === undefined ? undefined : folderUrl(entry) };
    return entryFolder.url;
  };
  const isOwnCode = (url: string): boolean => {
    const entry = entryUrl();
    if (entry !== undefined && url.startsWith(entry)) return true;
    return url.startsWith(folder) && !url.slice(folder.length).includes('node_modules/');
  };
  const known = new Set<string>(readList(file));
  const order = [...known];
  let timer: NodeJS.Timeout | undefined;
  const write = (): void => {
    timer = undefined;
    try {
      mkdirSync(dirname(file), { recursive: true });
      // Whole or not at all: a standby starting now reads the file.
      const temp = `${file}.${process.pid}`;
      writeFileSync(temp, `${JSON.stringify(order)}\n`);
      renameSync(temp, file);
    } catch {
      // A read-only workspace: the next standby imports fewer modules, and is slower to promote.
    }
  };
  registerHooks({
    resolve(specifier, context, next) {
      const result = next(specifier, context);
      const url = result.url;
      if (url.startsWith('file:') && !known.has(url) && !url.startsWith(own) && !isOwnCode(url)) {
        known.add(url);
        order.push(url);
        // unref: learning never keeps a server alive that would otherwise exit.
        timer ??= setTimeout(write, WRITE_AFTER_MS).unref();
      }
      return result;
    },
  });
}

/** file:// URL of the folder of `file`, symlinks resolved as Node resolves an entry's. */
function folderUrl(file: string): string {
  let path = resolve(file);
  try {
    path = realpathSync(path);
  } catch {
    // Not there (yet): the path as written.
  }
  return pathToFileURL(`${dirname(path)}/`).href;
}

/** The modules learned so far (by an earlier instance), or none. */
function readList(file: string): string[] {
  try {
    const list: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return Array.isArray(list) ? list.filter((u): u is string => typeof u === 'string') : [];
  } catch {
    return [];
  }
}
