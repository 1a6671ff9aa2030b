/**
 * Names through the aggregate endpoint. Tools and prompts are `<prefix>__<name>` (the prefix is the
 * server's name unless mcpx.json gives `gateway.prefix`); resource URIs stay as the server wrote
 * them unless two servers list the same one.
 */
export const SEPARATOR = '__';

/** What most LLM APIs accept as a tool name, and so what a client can offer its model. */
const CLIENT_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const CLIENT_NAME_MAX = 64;

export function prefixedName(prefix: string, name: string): string {
  return `${prefix}${SEPARATOR}${name}`;
}

/** `text-kit__count_words` -> prefix text-kit, name count_words. Prefixes never contain `__`. */
export function splitName(full: string): { prefix: string; name: string } | undefined {
  const at = full.indexOf(SEPARATOR);
  if (at <= 0 || at + SEPARATOR.length >= full.length) return undefined;
  return { prefix: full.slice(0, at), name: full.slice(at + SEPARATOR.length) };
}

/**
 * Why a prefixed name would not work in a client that puts `clientPrefix` before it (Claude Code:
 * `mcp__<entry>__`), or undefined when it fits. Never truncated: a cut name could collide, and
 * would not be the name the server knows.
 */
export function clientNameProblem(full: string, clientPrefix: string): string | undefined {
  const seen = `${clientPrefix}${full}`;
  if (!/^[a-zA-Z0-9_-]*$/.test(full))
    return `"${full}" has characters other than letters, digits, "_" and "-", which clients' models do not accept`;
  if (seen.length > CLIENT_NAME_MAX)
    return `"${seen}" is ${seen.length} characters, over the ${CLIENT_NAME_MAX} that clients accept`;
  if (!CLIENT_NAME.test(seen)) return `"${seen}" is not a name clients accept`;
  return undefined;
}

/**
 * A resource URI that two servers both list is served as `mcpx://<prefix>/<URI, percent-encoded>`
 * for each of them: stable (it depends only on the prefix and the URI) and still a URI.
 */
export function collidingUri(prefix: string, uri: string): string {
  return `mcpx://${prefix}/${encodeURIComponent(uri)}`;
}

/** The prefix and the server's own URI of a URI made by `collidingUri`. */
export function parseCollidingUri(uri: string): { prefix: string; uri: string } | undefined {
  const match = /^mcpx:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (match === null) return undefined;
  try {
    return { prefix: match[1] as string, uri: decodeURIComponent(match[2] as string) };
  } catch {
    return undefined;
  }
}
