/** A `node` server's launch split into Node's own flags, its entry script and the script's args. */
export interface NodeEntry {
  nodeFlags: string[];
  entry: string;
  args: string[];
}

/** Node flags whose value may be the next argument: with one of those, which argument is the entry is not ours to guess. */
const TAKES_VALUE = new Set([
  '-r',
  '--require',
  '--import',
  '--loader',
  '--experimental-loader',
  '-C',
  '--conditions',
  '--env-file',
  '--env-file-if-exists',
  '--input-type',
  '--title',
  '--watch-path',
  '--stack-size',
]);

/** Flags that make Node run something other than an entry file, or restart it itself. */
const NOT_AN_ENTRY = new Set([
  '-e',
  '--eval',
  '-p',
  '--print',
  '-',
  '--watch',
  '--test',
  '-i',
  '--interactive',
]);

/**
 * The entry of a server a standby can stand in for: `command` is mcpx's own Node (`node` in mcpx.json) and
 * runs a script file; undefined for anything else (an npx package, `tsx`, `node -e`), which
 * reloads with a cold start. Node flags before the script are kept when written as `--flag` or
 * `--flag=value`.
 */
export function nodeEntry(command: string, args: readonly string[]): NodeEntry | undefined {
  // mcpx's own Node (what `node` in mcpx.json runs): one known to have module.registerHooks.
  if (command !== process.execPath) return undefined;
  const nodeFlags: string[] = [];
  for (const [index, arg] of args.entries()) {
    if (!arg.startsWith('-') || arg === '-') {
      if (arg === '-') return undefined;
      return { nodeFlags, entry: arg, args: args.slice(index + 1) };
    }
    const name = arg.split('=', 1)[0] ?? arg;
    if (arg === '--' || NOT_AN_ENTRY.has(name)) return undefined;
    if (TAKES_VALUE.has(name) && !arg.includes('=')) return undefined;
    nodeFlags.push(arg);
  }
  return undefined;
}
