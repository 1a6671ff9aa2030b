import { readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { z } from 'zod';
import { McpxError } from '../errors.js';
import { closest } from '../closest.js';
import { type JsonPath, locate, parseJsonText, valueAt } from './json-text.js';
import { type ResolvedRole, RoleSchema, resolveRoles } from './roles.js';
import { type GatewaySettings, gatewaySettings } from './gateway.js';
import {
  GatewaySchema,
  HealthSchema,
  MANIFEST_FILE,
  type Manifest,
  ManifestSchema,
  ServerEntrySchema,
  ServerGatewaySchema,
} from './schema.js';
import { type ServerConfig, serverConfigs } from './servers.js';
import { findWorkspaceRoot } from './root.js';

/** A workspace: its root folder and its validated manifest, with the text it was read from. */
export interface Workspace {
  root: string;
  file: string;
  text: string;
  manifest: Manifest;
  roles: Map<string, ResolvedRole>;
  /** Every server of the manifest, in its order, normalised once here (see `serverConfig`). */
  servers: ReadonlyMap<string, ServerConfig>;
  /** The gateway's settings with every default applied. */
  gateway: GatewaySettings;
}

/** The workspace of a validated manifest: its roles resolved and its servers normalised. */
export function workspaceOf(
  root: string,
  file: string,
  text: string,
  manifest: Manifest,
): Workspace {
  const roles = resolveRoles(manifest.roles);
  return {
    root,
    file,
    text,
    manifest,
    roles,
    servers: serverConfigs(root, manifest, roles),
    gateway: gatewaySettings(manifest),
  };
}

/** One problem in a manifest, located in the file. */
export interface ManifestProblem {
  path: JsonPath;
  line: number;
  column: number;
  message: string;
}

export { findWorkspaceRoot } from './root.js';

/** Far above any real manifest (a hundred servers take some 30 KiB); reading more is a mistake. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** Finds, reads and validates the workspace manifest. */
export async function loadWorkspace(start: string): Promise<Workspace> {
  const root = await findWorkspaceRoot(start);
  const file = join(root, MANIFEST_FILE);
  const { size } = await stat(file);
  if (size > MAX_MANIFEST_BYTES) {
    throw new McpxError(
      `${file} is ${(size / 1024 / 1024).toFixed(1)} MiB; mcpx reads manifests of at most ${MAX_MANIFEST_BYTES / 1024 / 1024} MiB.`,
      { hint: 'check that this is the manifest you meant; keep large data out of mcpx.json' },
    );
  }
  const text = await readFile(file, 'utf8');
  const manifest = parseManifest(text, file);
  return workspaceOf(root, file, text, manifest);
}

/** Parses and validates manifest text; throws one McpxError listing every problem with its place. */
export function parseManifest(text: string, file: string): Manifest {
  const problems = manifestProblems(text);
  if (problems.ok) return problems.manifest;
  throw manifestError(file, problems.problems);
}

type Checked = { ok: true; manifest: Manifest } | { ok: false; problems: ManifestProblem[] };

/** Every problem of a manifest text, in file order. */
export function manifestProblems(text: string): Checked {
  const result = jsonProblems(text, ManifestSchema);
  return result.ok ? { ok: true, manifest: result.value } : result;
}

/**
 * Every problem of a JSON text against a zod schema, located, in file order: the manifest's
 * checks, reusable for mcpx's other JSON files (the smoke file).
 */
export function jsonProblems<T>(
  text: string,
  schema: z.ZodType<T>,
): { ok: true; value: T } | { ok: false; problems: ManifestProblem[] } {
  const parsed = parseJsonText(text);
  const syntax = parsed.syntax[0];
  if (syntax !== undefined) {
    // Only the first: the parser's later complaints are mostly echoes of it.
    return {
      ok: false,
      problems: [{ path: [], ...syntax, message: `invalid JSON: ${syntax.message}` }],
    };
  }
  const problems: ManifestProblem[] = parsed.duplicates.map((d) => ({
    path: d.path,
    ...d.position,
    message: `"${String(d.path.at(-1))}" appears twice in the same object; keep one`,
  }));
  for (const p of parsed.protoKeys) {
    problems.push({ path: p.path, ...p.position, message: '"__proto__" is not allowed as a key' });
  }
  if (parsed.protoKeys.length > 0) {
    // The schema would see an object whose prototype the key replaced: report the key alone.
    problems.sort((a, b) => a.line - b.line || a.column - b.column);
    return { ok: false, problems };
  }
  const result = schema.safeParse(parsed.value);
  if (!result.success) {
    for (const issue of result.error.issues) {
      problems.push(...describeIssue(issue, text, parsed.tree, parsed.value));
    }
  }
  if (problems.length > 0 || !result.success) {
    problems.sort((a, b) => a.line - b.line || a.column - b.column);
    return { ok: false, problems };
  }
  return { ok: true, value: result.data };
}

function describeIssue(
  issue: z.core.$ZodIssue,
  text: string,
  tree: Parameters<typeof locate>[1],
  value: unknown,
): ManifestProblem[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const found = valueAt(value, path);
  const at = (p: JsonPath, key = false): Omit<ManifestProblem, 'message'> => ({
    path: p,
    ...locate(text, tree, p, key),
  });
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => {
        const known = knownKeys(issue);
        const guess = closest(key, known);
        return {
          ...at([...path, key], true),
          message:
            `unknown field "${key}"` +
            (guess === undefined ? '' : `; did you mean "${guess}"?`) +
            (known.length > 0 ? ` (allowed: ${known.join(', ')})` : ''),
        };
      });
    case 'invalid_type':
      return [
        {
          ...at(path),
          message:
            found === undefined
              ? `missing; expected ${article(issue.expected)}`
              : `expected ${article(issue.expected)}, found ${show(found)}`,
        },
      ];
    case 'invalid_value':
      return [
        {
          ...at(path),
          message: `expected ${oneOf(issue.values.map((v) => JSON.stringify(v)))}, found ${show(found)}`,
        },
      ];
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? 'at least' : 'at most';
      const limit = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const unit =
        issue.origin === 'array' ? ' items' : issue.origin === 'string' ? ' characters' : '';
      return [
        { ...at(path), message: `expected ${bound} ${String(limit)}${unit}, found ${show(found)}` },
      ];
    }
    case 'invalid_format':
      return [
        {
          ...at(path),
          message: `expected ${issue.format === 'regex' ? issue.message : issue.format === 'url' ? 'an http:// or https:// URL' : article(issue.format)}, found ${show(found)}`,
        },
      ];
    case 'invalid_key':
      return issue.issues.map((inner) => ({ ...at(path, true), message: inner.message }));
    default:
      return [{ ...at(path), message: issue.message }];
  }
}

/** The keys a strict object of the manifest accepts, for "did you mean" and "allowed" hints. */
function knownKeys(issue: z.core.$ZodIssueUnrecognizedKeys): string[] {
  const path = issue.path.map(String);
  const shape =
    path.length === 0
      ? ManifestSchema.shape
      : path[0] === 'mcpServers' && path.length === 2
        ? ServerEntrySchema.shape
        : path[0] === 'mcpServers' && path[2] === 'health'
          ? HealthSchema.shape
          : path[0] === 'mcpServers' && path[2] === 'gateway'
            ? ServerGatewaySchema.shape
            : path[0] === 'gateway' && path.length === 1
              ? GatewaySchema.shape
              : path[0] === 'roles' && path.length === 2
                ? RoleSchema.shape
                : path[0] === 'logs' && path.length === 1
                  ? ManifestSchema.shape.logs.unwrap().shape
                  : {};
  return Object.keys(shape);
}

function article(type: string): string {
  // zod's type names, in the words of JSON.
  const noun = type === 'record' ? 'object' : type === 'int' ? 'integer' : type;
  return /^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`;
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array (${JSON.stringify(value).slice(0, 40)})`;
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return `${typeof value} ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}

/** One McpxError that lists every problem as `file:line:col  path: message`. */
export function manifestError(file: string, problems: readonly ManifestProblem[]): McpxError {
  const name = relative(process.cwd(), file) || file;
  const lines = problems.slice(0, 20).map((p) => {
    const where = `${name}:${p.line}:${p.column}`;
    const field = p.path.length > 0 ? `${p.path.join('.')}: ` : '';
    return `  ${where}  ${field}${p.message}`;
  });
  if (problems.length > 20) lines.push(`  ... and ${problems.length - 20} more`);
  const count = problems.length === 1 ? 'a problem' : `${problems.length} problems`;
  return new McpxError(`${name} has ${count}:\n${lines.join('\n')}`, {
    hint: 'fix the fields named above; with "$schema" set, your editor checks the file as you type',
  });
}

/** `"a" or "b"`; `"a", "b" or "c"`. */
function oneOf(values: string[]): string {
  return values.length < 3
    ? values.join(' or ')
    : `${values.slice(0, -1).join(', ')} or ${values.at(-1) ?? ''}`;
}
