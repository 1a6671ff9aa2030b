/**
 * Upserting one `[mcp_servers.<name>]` table of a Codex `config.toml` while keeping every other
 * byte. toml-eslint-parser gives the syntax tree with source ranges (and located syntax errors),
 * so the edit replaces exactly the lines that define the entry; smol-toml writes the new table
 * (its escaping and key quoting are TOML's, not ours).
 */
import { stringify } from 'smol-toml';
import { type AST, ParseError, getStaticTOMLValue, parseTOML } from 'toml-eslint-parser';
import { assertWritten, malformedConfig } from './errors.js';
import type { ClientSpec, Entry } from './table.js';

/**
 * `text` with the table `[<rootKey>.<name>]` (and its sub-tables) replaced by `entry`, or added
 * after the last `[<rootKey>.*]` table (else at the end). Throws McpxError (exit 2) naming
 * file:line:column for a file that is not TOML, or that defines the entries in a way one table
 * cannot be added to.
 */
export function upsertTomlEntry(
  text: string,
  file: string,
  client: ClientSpec,
  name: string,
  entry: Entry,
): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const block = stringify({ [client.rootKey]: { [name]: entry } })
    .trim()
    .replaceAll('\n', eol);
  const top = parseClientToml(text, file).body[0];
  const spans: { start: number; end: number; table: boolean }[] = [];
  let lastRootTable: number | undefined;
  for (const node of top.body) {
    const key = node.type === 'TOMLTable' ? node.resolvedKey : keyPath(node.key);
    if (key[0] !== client.rootKey) continue;
    if (node.type === 'TOMLKeyValue' && key.length === 1) {
      throw malformedConfig(
        file,
        text,
        node.range[0],
        `"${client.rootKey}" is one inline value here; mcpx adds [${client.rootKey}.${name}] as a table: write the entries as [${client.rootKey}.<name>] tables`,
      );
    }
    if (node.type === 'TOMLTable' && node.kind === 'array') {
      throw malformedConfig(
        file,
        text,
        node.range[0],
        `[[${keyPath(node.key).join('.')}]] makes "${client.rootKey}" an array of tables; ${client.title} reads a table of entries`,
      );
    }
    if (node.type === 'TOMLTable') lastRootTable = lineEnd(text, node.range[1]);
    if (key[1] === name)
      spans.push({ ...lines(text, node.range), table: node.type === 'TOMLTable' });
    // `[mcp_servers]` with `<name>.url = ...` or `<name> = {...}` in it.
    if (node.type === 'TOMLTable' && key.length === 1) {
      for (const pair of node.body) {
        if (keyPath(pair.key)[0] === name) spans.push({ ...lines(text, pair.range), table: false });
      }
    }
  }
  spans.sort((a, b) => a.start - b.start);
  // Spans with only blank lines between are one (a table and its sub-tables as mcpx wrote them),
  // so a second run replaces the same bytes with the same bytes.
  const cuts: typeof spans = [];
  for (const span of spans) {
    const last = cuts.at(-1);
    if (last !== undefined && text.slice(last.end, span.start).trim() === '') {
      last.end = span.end;
      last.table ||= span.table;
    } else cuts.push({ ...span });
  }
  // The entry's own table is replaced where it is; a header anywhere else (among the root's keys,
  // inside [mcp_servers]) would capture the keys after it, so then the table goes after the others.
  const anchor = cuts.find((c) => c.table)?.start;
  const at = anchor ?? lastRootTable ?? text.length;
  let next = '';
  let from = 0;
  let insertAt = at;
  for (const cut of cuts) {
    next += text.slice(from, cut.start);
    if (cut.end <= at) insertAt -= cut.end - cut.start;
    from = cut.end;
  }
  next += text.slice(from);
  if (anchor !== undefined) {
    next = `${next.slice(0, insertAt)}${block}${eol}${next.slice(insertAt)}`;
  } else {
    const before = next.slice(0, insertAt);
    const separator =
      before.trim() === '' || before.endsWith(eol + eol)
        ? ''
        : before.endsWith(eol)
          ? eol
          : eol + eol;
    next = `${before}${separator}${block}${eol}${next.slice(insertAt)}`;
  }
  const written = (getStaticTOMLValue(parseClientToml(next, file)) as Record<string, unknown>)[
    client.rootKey
  ] as Record<string, unknown> | undefined;
  assertWritten(file, name, written?.[name], entry);
  return next;
}

/** The entries of the client's root table in `text`, for tests and `--list`. */
export function tomlEntries(
  text: string,
  file: string,
  client: ClientSpec,
): Record<string, unknown> {
  const value = getStaticTOMLValue(parseClientToml(text, file)) as Record<string, unknown>;
  const entries = value[client.rootKey];
  return entries !== null && typeof entries === 'object'
    ? (entries as Record<string, unknown>)
    : {};
}

function parseClientToml(text: string, file: string): AST.TOMLProgram {
  try {
    // TOML 1.1 (newlines in inline tables and the like): refuse only what no reader accepts.
    return parseTOML(text, { tomlVersion: '1.1' });
  } catch (error) {
    if (error instanceof ParseError) {
      throw malformedConfig(file, text, error.index, lowerFirst(error.message));
    }
    throw error;
  }
}

function keyPath(key: AST.TOMLKey): string[] {
  return key.keys.map((k) => (k.type === 'TOMLBare' ? k.name : k.value));
}

/** From the start of the line holding `range[0]` to past the end of the line holding `range[1]`. */
function lines(text: string, range: AST.Range): { start: number; end: number } {
  return { start: text.lastIndexOf('\n', range[0] - 1) + 1, end: lineEnd(text, range[1]) };
}

function lineEnd(text: string, offset: number): number {
  const newline = text.indexOf('\n', offset);
  return newline === -1 ? text.length : newline + 1;
}

function lowerFirst(message: string): string {
  return message.charAt(0).toLowerCase() + message.slice(1);
}
