/**
 * Server names end up in package names, folder names, process titles, log prefixes and (later)
 * gateway tool prefixes such as `weather_get_forecast`, where clients allow only
 * `^[a-zA-Z0-9_-]{1,64}$` and add their own prefix (Claude Code: `mcp__<server>__`). So a name is
 * a lowercase npm package name part without dots, short, and without `__` (the separator clients use).
 */
export const SERVER_NAME_MAX = 32;

/**
 * Folder names that git ignores (the workspace's .gitignore) or that tools treat as build output or
 * state: a server folder under one of them would vanish from git and from live reload.
 */
export const RESERVED_SERVER_NAMES: ReadonlySet<string> = new Set([
  'node_modules',
  'dist',
  'coverage',
]);

/** Why `name` is not a valid server name, or undefined when it is. */
export function serverNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'it is empty';
  if (RESERVED_SERVER_NAMES.has(name))
    return `"${name}" is reserved: git and live reload ignore folders of that name`;
  if (name === 'gateway' || name === 'mcpx')
    return `"${name}" is reserved: mcpx's own events are logged under it (\`mcpx logs --server ${name}\`)`;
  if (name.includes('/') || name.includes('\\')) return 'it contains a path separator';
  if (name.includes('..')) return 'it contains ".."';
  if (name.length > SERVER_NAME_MAX)
    return `it is ${name.length} characters long; the limit is ${SERVER_NAME_MAX}`;
  if (name !== name.toLowerCase()) return 'it has uppercase letters';
  if (!/^[a-z0-9]/.test(name)) return 'it must start with a letter or a digit';
  if (!/^[a-z0-9_-]+$/.test(name))
    return 'it may contain only lowercase letters, digits, "-" and "_"';
  if (name.includes('__')) return 'it contains "__", which MCP clients use as a separator';
  if (/[-_]$/.test(name)) return 'it must not end with "-" or "_"';
  return undefined;
}

/**
 * Primitive names (tools, prompts, resources) as clients see them. The spec allows
 * `^[A-Za-z0-9_.-]{1,128}$`; most LLM APIs accept only `^[a-zA-Z0-9_-]{1,64}$`, so mcpx scaffolds
 * snake_case names within that.
 */
export function primitiveNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'it is empty';
  if (name.length > 48)
    return `it is ${name.length} characters long; keep it within 48 so prefixed names fit in 64`;
  if (!/^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$/.test(name))
    return 'use lowercase words joined by "_" or "-", starting with a letter (e.g. get_forecast)';
  return undefined;
}

/** `get-forecast` or `get_forecast` -> its spellings in the places a primitive needs them. */
export function primitiveSpellings(name: string): {
  snake: string;
  kebab: string;
  pascal: string;
  title: string;
} {
  const words = name.split(/[-_]/);
  const capital = (w: string): string => w.charAt(0).toUpperCase() + w.slice(1);
  return {
    snake: words.join('_'),
    kebab: words.join('-'),
    pascal: words.map(capital).join(''),
    title: capital(words.join(' ')),
  };
}
