import {
  type Node,
  type ParseError,
  applyEdits,
  findNodeAtLocation,
  modify,
  parseTree,
  printParseErrorCode,
} from 'jsonc-parser';
import { tooDeepAt } from '../json-depth.js';

export type JsonPath = (string | number)[];

export interface Position {
  line: number;
  column: number;
}

/** 1-based line and column of `offset` in `text`. */
export function positionAt(text: string, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** jsonc-parser's error names in words (its codes are a const enum we cannot import). */
export const PARSE_ERROR_TEXT: Record<string, string> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'expected a property name in double quotes',
  ValueExpected: 'expected a value',
  ColonExpected: 'expected ":"',
  CommaExpected: 'expected ","',
  CloseBraceExpected: 'expected "}"',
  CloseBracketExpected: 'expected "]"',
  EndOfFileExpected: 'expected the end of the file',
  InvalidCommentToken: 'comments are not allowed in JSON',
  UnexpectedEndOfComment: 'unterminated comment',
  UnexpectedEndOfString: 'unterminated string',
  UnexpectedEndOfNumber: 'unterminated number',
  InvalidUnicode: 'invalid unicode escape',
  InvalidEscapeCharacter: 'invalid escape character',
  InvalidCharacter: 'invalid character in a string',
};

export interface JsonSyntaxProblem extends Position {
  message: string;
}

export interface ParsedJson {
  tree: Node | undefined;
  value: unknown;
  syntax: JsonSyntaxProblem[];
  /** Keys that appear twice in one object: JSON.parse would silently keep the last. */
  duplicates: { path: JsonPath; position: Position }[];
  /** Keys named `__proto__`: an object built from them would change its prototype, not get a key. */
  protoKeys: { path: JsonPath; position: Position }[];
}

/** Deeper than any manifest needs; the parser and the checks recurse once per level. */
export const MAX_JSON_DEPTH = 64;

/** Where `text` first nests objects and arrays deeper than `MAX_JSON_DEPTH`, if it does. */
function tooDeep(text: string): JsonSyntaxProblem | undefined {
  const at = tooDeepAt(text, MAX_JSON_DEPTH);
  if (at === undefined) return undefined;
  return {
    ...positionAt(text, at),
    message: `objects and arrays nested more than ${MAX_JSON_DEPTH} deep; mcpx reads at most ${MAX_JSON_DEPTH} levels`,
  };
}

/** Strict JSON (no comments, no trailing commas) with positions for every problem. */
export function parseJsonText(text: string): ParsedJson {
  const deep = tooDeep(text);
  if (deep !== undefined)
    return { tree: undefined, value: undefined, syntax: [deep], duplicates: [], protoKeys: [] };
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  const syntax = errors.map((e) => ({
    ...positionAt(text, e.offset),
    message: PARSE_ERROR_TEXT[printParseErrorCode(e.error)] ?? 'invalid JSON',
  }));
  const duplicates: ParsedJson['duplicates'] = [];
  const protoKeys: ParsedJson['protoKeys'] = [];
  const walk = (node: Node, path: JsonPath): void => {
    if (node.type === 'object') {
      const seen = new Set<string>();
      for (const property of node.children ?? []) {
        const [keyNode, valueNode] = property.children ?? [];
        if (keyNode === undefined) continue;
        const key = String(keyNode.value);
        if (seen.has(key))
          duplicates.push({ path: [...path, key], position: positionAt(text, keyNode.offset) });
        if (key === '__proto__')
          protoKeys.push({ path: [...path, key], position: positionAt(text, keyNode.offset) });
        seen.add(key);
        if (valueNode !== undefined) walk(valueNode, [...path, key]);
      }
    } else if (node.type === 'array') {
      (node.children ?? []).forEach((child, index) => walk(child, [...path, index]));
    }
  };
  if (tree !== undefined && syntax.length === 0) walk(tree, []);
  return {
    tree,
    value: syntax.length === 0 && tree !== undefined ? JSON.parse(text) : undefined,
    syntax,
    duplicates,
    protoKeys,
  };
}

/**
 * Where `path` points in the text: the value's position, or, for a key that is missing or not
 * allowed, the nearest enclosing node (or the key itself when `key` is true).
 */
export function locate(
  text: string,
  tree: Node | undefined,
  path: JsonPath,
  key = false,
): Position {
  if (tree === undefined) return { line: 1, column: 1 };
  for (let n = path.length; n >= 0; n--) {
    const node = findNodeAtLocation(tree, path.slice(0, n));
    if (node === undefined) continue;
    const target =
      key && n === path.length && node.parent?.type === 'property' ? node.parent : node;
    return positionAt(text, target.offset);
  }
  return positionAt(text, tree.offset);
}

/** The value at `path`, if there is one. */
export function valueAt(value: unknown, path: JsonPath): unknown {
  let current = value;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

/**
 * One change to a JSON document: set `value` at `path` (a new or existing key of an object), or
 * remove that key when `value` is undefined.
 */
export interface JsonEdit {
  path: JsonPath;
  value: unknown;
}

/**
 * Applies edits to JSON text and keeps everything else byte for byte: key order, unrelated keys,
 * the layout of sibling entries, indentation and line endings. Only the new value is laid out, in
 * the file's own indentation. (jsonc-parser's `modify` with formatting re-lays the sibling before
 * an insertion, so it is used here only to find places.)
 */
export function editJsonText(text: string, edits: readonly JsonEdit[]): string {
  let result = text;
  for (const edit of edits) result = applyEdit(result, edit);
  return result;
}

function applyEdit(text: string, edit: JsonEdit): string {
  const unit = /^([ \t]+)\S/m.exec(text)?.[1] ?? '  ';
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  if (edit.value === undefined) {
    // jsonc-parser removes the property with its separator and leaves the siblings as they were.
    return applyEdits(
      text,
      modify(text, edit.path, undefined, {
        formattingOptions: { insertSpaces: !unit.includes('\t'), tabSize: unit.length, eol },
      }),
    );
  }
  const tree = parseTree(text, [], { disallowComments: true });
  const parentPath = edit.path.slice(0, -1);
  const key = String(edit.path.at(-1));
  const parent = tree === undefined ? undefined : findNodeAtLocation(tree, parentPath);
  if (parent === undefined || parent.type !== 'object') {
    // A missing parent: let jsonc-parser build it (rare: mcpx writes into objects it validated).
    return applyEdits(text, modify(text, edit.path, edit.value, {}));
  }
  const lineIndent = (offset: number): string => {
    const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
    return /^[ \t]*/.exec(text.slice(lineStart))?.[0] ?? '';
  };
  const pretty = (value: unknown, indent: string): string =>
    JSON.stringify(value, null, unit)
      .split('\n')
      .join(eol + indent);
  const properties = parent.children ?? [];
  const existing = properties.find((p) => p.children?.[0]?.value === key);
  const valueNode = existing?.children?.[1];
  if (existing !== undefined && valueNode !== undefined) {
    const indent = lineIndent(existing.offset);
    return (
      text.slice(0, valueNode.offset) +
      pretty(edit.value, indent) +
      text.slice(valueNode.offset + valueNode.length)
    );
  }
  const last = properties.at(-1);
  const entry = (indent: string): string => `${JSON.stringify(key)}: ${pretty(edit.value, indent)}`;
  if (last === undefined) {
    const outer = lineIndent(parent.offset);
    const inner = outer + unit;
    const close = parent.offset + parent.length - 1;
    return `${text.slice(0, parent.offset + 1)}${eol}${inner}${entry(inner)}${eol}${outer}${text.slice(close)}`;
  }
  const end = last.offset + last.length;
  const sameLine = !text.slice(parent.offset, last.offset).includes('\n');
  const indent = sameLine ? '' : lineIndent(last.offset);
  const separator = sameLine ? ', ' : `,${eol}${indent}`;
  return text.slice(0, end) + separator + entry(indent) + text.slice(end);
}
