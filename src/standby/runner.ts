// The standby: a Node process started in a server's folder with its environment and argv (and
// its Node flags, and learn.ts), that imports the dependency modules an earlier instance of the
// server loaded, says so over IPC, and waits. Told to, it takes the server's current environment
// and imports the server's entry: from then on it is the server, on the stdio pipes mcpx gave it.
//   node [flags] --import learn.js runner.js <modules file> <entry> [args...]
// Only Node's builtins here, and nothing on stdout: that is the MCP channel of the server to be.
import { readFileSync, realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PromoteMessage, ReadyMessage } from './protocol.js';

const [modulesFile = '', entry = '', ...args] = process.argv.slice(2);
// What the server would see in its own process, for dependencies that read argv as they load.
process.argv.splice(1, Infinity, resolve(entry), ...args);
// Never the entry's own folder, whatever the list says: importing the entry starts the server.
const entryFolder = pathToFileURL(`${dirname(realEntry(resolve(entry)))}/`).href;

// mcpx went away before this became a server (it exited, or was killed): end, even if a
// dependency left a timer or a socket that would keep Node alive.
const orphaned = (): void => {
  process.kill(process.pid, 'SIGTERM');
};
process.once('disconnect', orphaned);

process.once('message', (message: PromoteMessage) => {
  process.off('disconnect', orphaned);
  for (const name of Object.keys(process.env))
    if (!(name in message.env)) Reflect.deleteProperty(process.env, name);
  Object.assign(process.env, message.env);
  process.argv.splice(1, Infinity, message.entry, ...message.args);
  // A server has no IPC channel of its own; one left open would also keep it alive.
  process.disconnect();
  // Its failure is the server's: Node reports it on stderr and exits 1, as for a cold start.
  void import(pathToFileURL(message.entry).href);
});

let imported = 0;
let failed = 0;
for (const url of modules(modulesFile)) {
  if (url.startsWith(entryFolder)) continue;
  try {
    await import(url);
    imported++;
  } catch {
    // Gone since, or one that only loads inside the server: the server imports it itself.
    failed++;
  }
}
const ready: ReadyMessage = { type: 'ready', imported, failed };
process.send?.(ready);

function realEntry(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function modules(file: string): string[] {
  try {
    const list: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return Array.isArray(list) ? list.filter((u): u is string => typeof u === 'string') : [];
  } catch {
    return [];
  }
}
