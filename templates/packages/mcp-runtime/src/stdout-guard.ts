/**
 * Sends everything the console would print to stdout to stderr instead.
 *
 * On stdio, this process's stdout is the MCP protocol stream: one stray `console.log`, ours or a
 * dependency's, corrupts it and the client drops the connection. Both entries import this module
 * first, so it runs before any other module can log. (Direct `process.stdout.write` calls are not
 * caught: the stdio transport itself writes that way.)
 */
import { Console } from 'node:console';

const stderrConsole = new Console({ stdout: process.stderr, stderr: process.stderr });

// Everything here writes to stdout by default. The group, count and time methods are included
// because they keep their state (indentation, counters, timers) in the console that prints.
const stdoutMethods = [
  'log',
  'info',
  'debug',
  'dir',
  'dirxml',
  'table',
  'group',
  'groupCollapsed',
  'groupEnd',
  'count',
  'countReset',
  'time',
  'timeLog',
  'timeEnd',
] as const;

for (const method of stdoutMethods) {
  Object.assign(console, { [method]: stderrConsole[method] });
}
