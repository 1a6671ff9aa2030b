import {
  type Node,
  type ParseError,
  findNodeAtLocation,
  getNodeValue,
  parseTree,
  printParseErrorCode,
} from 'jsonc-parser';
import { PARSE_ERROR_TEXT, editJsonText } from '../manifest/json-text.js';
import { assertWritten, malformedConfig } from './errors.js';
import type { ClientSpec, Entry } from './table.js';

/**
 * `text` (a client's JSON file, '' for none) with the entry `name` under the client's root key set
 * to `entry`: every other key, comment and the layout kept, only the new value laid out in the
 * file's indentation (jsonc-parser finds the places). Throws McpxError (exit 2) naming
 * file:line:column for a file the client could not read either.
 */
export function upsertJsonEntry(
  text: string,
  file: string,
  client: ClientSpec,
  name: string,
  entry: Entry,
): string {
  if (text.trim() === '')
    return `${JSON.stringify({ [client.rootKey]: { [name]: entry } }, null, 2)}\n`;
  const root = parseClientJson(text, file, client);
  if (root.type !== 'object') throw malformedConfig(file, text, root.offset, 'expected an object');
  const servers = root.children?.find((p) => p.children?.[0]?.value === client.rootKey)
    ?.children?.[1];
  if (servers !== undefined && servers.type !== 'object') {
    throw malformedConfig(file, text, servers.offset, `"${client.rootKey}" is not an object`);
  }
  const next =
    servers === undefined
      ? editJsonText(text, [{ path: [client.rootKey], value: { [name]: entry } }])
      : editJsonText(text, [{ path: [client.rootKey, name], value: entry }]);
  const written = valueOf(parseClientJson(next, file, client), [client.rootKey, name]);
  assertWritten(file, name, written, entry);
  return next;
}

/** The entries under the client's root key of `text`, for `--list` and tests. */
export function jsonEntries(
  text: string,
  file: string,
  client: ClientSpec,
): Record<string, unknown> {
  if (text.trim() === '') return {};
  const value = valueOf(parseClientJson(text, file, client), [client.rootKey]);
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

function parseClientJson(text: string, file: string, client: ClientSpec): Node {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, {
    disallowComments: !client.jsonc,
    allowTrailingComma: client.jsonc,
  });
  const first = errors[0];
  if (first !== undefined || tree === undefined) {
    const code = first === undefined ? 'ValueExpected' : printParseErrorCode(first.error);
    const what = PARSE_ERROR_TEXT[code] ?? 'invalid JSON';
    const plain =
      code === 'InvalidCommentToken' ? ` (${client.title} reads this file as plain JSON)` : '';
    throw malformedConfig(file, text, first?.offset ?? 0, `${what}${plain}`);
  }
  return tree;
}

/** The plain value at `path` of a parsed tree (undefined when absent). */
function valueOf(tree: Node, path: string[]): unknown {
  const node = findNodeAtLocation(tree, path);
  // As JSON.parse builds it (jsonc-parser's objects have no prototype).
  return node === undefined
    ? undefined
    : (JSON.parse(JSON.stringify(getNodeValue(node))) as unknown);
}
