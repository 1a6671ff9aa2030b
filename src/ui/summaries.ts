import type { NewPrimitiveResult } from '../services/new-primitive.js';
import type { NewServerResult } from '../services/new-server.js';
import { out } from './colors.js';

/**
 * ```
 * Created weather (role tools, stdio) in servers/weather: 14 files.
 * Next:
 *   npm test -w servers/weather                 run its tests
 *   mcpx new tool <name> --server weather       add a tool
 * ```
 */
export function formatNewServer(result: NewServerResult): string {
  const kind =
    result.role === 'prompts' ? 'prompt' : result.role === 'resources' ? 'resource' : 'tool';
  return [
    `${out.green('Created')} ${out.bold(result.name)} (role ${result.role}, ${result.transport}) in ${result.path}: ${result.files.length} files.`,
    'Next:',
    `  npm test -w ${result.path}`.padEnd(48) + 'run its tests',
    `  mcpx new ${kind} <name> --server ${result.name}`.padEnd(48) + `add a ${kind}`,
  ].join('\n');
}

export function formatNewPrimitive(result: NewPrimitiveResult): string {
  const one = result.kind.slice(0, -1);
  return [
    `${out.green('Added')} ${one} ${out.bold(result.name)} to ${result.server}.`,
    ...result.created.map((file) => `  created  ${file}`),
    ...result.changed.map((file) => `  changed  ${file}`),
  ].join('\n');
}
