// Loaded with `node --import` into every instance of a server that a standby may stand in for: it
// learns which dependency modules the server loads (outside its own folder, or in node_modules),
// so that the next standby can import them before it is needed. Only Node's builtins here: this
// runs inside the user's server, before its code.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
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
  // The server's own code: its folder, and its entry's folder when that lies elsewhere. Read when
  // asked: in a standby, argv names the entry only once the runner has set it.
  const entryFolder = (): string | undefined => {
    const entry = process.argv[1];
    return entry === undefined ? undefined : pathToFileURL(`${dirname(resolve(entry))}/`).href;
  };
  const isOwnCode = (url: string): boolean => {
    if (url.includes('/node_modules/')) return false;
    const entry = entryFolder();
    return url.startsWith(folder) || (entry !== undefined && url.startsWith(entry));
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

/** The modules learned so far (by an earlier instance), or none. */
function readList(file: string): string[] {
  try {
    const list: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return Array.isArray(list) ? list.filter((u): u is string => typeof u === 'string') : [];
  } catch {
    return [];
  }
}
