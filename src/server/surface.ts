import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Prompt, Resource, ResourceTemplate, Tool } from '@modelcontextprotocol/sdk/types.js';

/**
 * What a server exposes, as a client sees it: each primitive by name (or URI), keys sorted at every
 * depth, undefined fields dropped, no timestamps. The supervisor compares it across reloads, smoke
 * compares it with the committed snapshot file (`{"servers": {"<name>": Surface}}`), and both use
 * `diffSurfaces` to say what changed.
 */
export interface Surface {
  tools: Record<
    string,
    { description?: string; inputSchema: unknown; outputSchema?: unknown; annotations?: unknown }
  >;
  resources: Record<string, { name: string; description?: string; mimeType?: string }>;
  resourceTemplates: Record<string, { name: string; description?: string; mimeType?: string }>;
  prompts: Record<string, { description?: string; arguments?: unknown }>;
}

export type PrimitiveKind = keyof Surface;

/** Everything a server lists, as it sent it. */
export interface RawSurface {
  tools: Tool[];
  resources: Resource[];
  resourceTemplates: ResourceTemplate[];
  prompts: Prompt[];
}

/** Lists each kind the server's capabilities declare, following pagination; a failing list throws. */
export async function listRaw(client: Client, timeout: number): Promise<RawSurface> {
  const caps = client.getServerCapabilities() ?? {};
  const options = { timeout };
  const pages = async <T>(
    method: string,
    list: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor?: string | undefined }>,
  ): Promise<T[]> => {
    const items: T[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const result = await list(cursor).catch((error: unknown) => {
        throw new Error(`${method}: ${error instanceof Error ? error.message : String(error)}`);
      });
      items.push(...result.items);
      cursor = result.nextCursor;
      if (cursor === undefined) break;
    }
    return items;
  };
  return {
    tools: caps.tools
      ? await pages('tools/list', async (cursor) => {
          const r = await client.listTools({ cursor }, options);
          return { items: r.tools, nextCursor: r.nextCursor };
        })
      : [],
    resources: caps.resources
      ? await pages('resources/list', async (cursor) => {
          const r = await client.listResources({ cursor }, options);
          return { items: r.resources, nextCursor: r.nextCursor };
        })
      : [],
    resourceTemplates: caps.resources
      ? await pages('resources/templates/list', async (cursor) => {
          const r = await client.listResourceTemplates({ cursor }, options);
          return { items: r.resourceTemplates, nextCursor: r.nextCursor };
        })
      : [],
    prompts: caps.prompts
      ? await pages('prompts/list', async (cursor) => {
          const r = await client.listPrompts({ cursor }, options);
          return { items: r.prompts, nextCursor: r.nextCursor };
        })
      : [],
  };
}

/** Lists a server's surface (see `listRaw`) in its canonical form. */
export async function listSurface(client: Client, timeout: number): Promise<Surface> {
  return surfaceOf(await listRaw(client, timeout));
}

/** The canonical form of what a server listed: only what a client sees, keyed, sorted. */
export function surfaceOf(raw: RawSurface): Surface {
  const by = <T, V>(
    items: T[],
    key: (item: T) => string,
    value: (item: T) => V,
  ): Record<string, V> => Object.fromEntries(items.map((item) => [key(item), value(item)]));
  return canonical({
    tools: by(
      raw.tools,
      (t) => t.name,
      (t) => ({
        description: t.description,
        inputSchema: t.inputSchema,
        outputSchema: t.outputSchema,
        annotations: t.annotations,
      }),
    ),
    resources: by(
      raw.resources,
      (r) => r.uri,
      (r) => ({ name: r.name, description: r.description, mimeType: r.mimeType }),
    ),
    resourceTemplates: by(
      raw.resourceTemplates,
      (t) => t.uriTemplate,
      (t) => ({ name: t.name, description: t.description, mimeType: t.mimeType }),
    ),
    prompts: by(
      raw.prompts,
      (p) => p.name,
      (p) => ({ description: p.description, arguments: p.arguments }),
    ),
  });
}

/**
 * The one canonical order: a copy with object keys sorted by code point at every depth, array order
 * kept and undefined fields dropped. Two equal schemas then have equal JSON whatever their key
 * order, and the snapshot file diffs well in review.
 */
export function canonical<T>(value: T): T {
  return JSON.parse(canonicalJson(value)) as T;
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
            a < b ? -1 : a > b ? 1 : 0,
          ),
        )
      : v,
  );
}

export function countSurface(surface: Surface): Record<PrimitiveKind, number> {
  return {
    tools: Object.keys(surface.tools).length,
    resources: Object.keys(surface.resources).length,
    resourceTemplates: Object.keys(surface.resourceTemplates).length,
    prompts: Object.keys(surface.prompts).length,
  };
}

/** One thing that differs between two surfaces. */
export interface SurfaceChange {
  /**
   * breaking: a client that worked may now fail (a primitive removed, a required input or prompt
   * argument added, an input or output property's type changed, an output property removed).
   * additive: something new to use (a primitive, an optional input). other: anything else a client
   * sees (a description, a mime type, a schema detail such as maxLength), which is neither.
   */
  kind: 'breaking' | 'additive' | 'other';
  primitive: PrimitiveKind;
  /** The tool or prompt name, or the resource (template) URI. */
  name: string;
  /** `added`, `removed`, or how it changed, e.g. `new required input "lang"`. */
  what: string;
}

const ONE: Record<PrimitiveKind, string> = {
  tools: 'tool',
  prompts: 'prompt',
  resources: 'resource',
  resourceTemplates: 'resource template',
};

interface ObjectSchema {
  properties?: Record<string, { type?: unknown }>;
  required?: string[];
}

/**
 * Everything that differs between two surfaces, each change with its kind: removals and additions
 * (by kind: tools, prompts, resources, templates), then how tools and prompts present in both
 * changed, then the other fields that differ.
 */
export function diffSurfaces(before: Surface, after: Surface): SurfaceChange[] {
  const changes: SurfaceChange[] = [];
  const add = (kind: SurfaceChange['kind'], primitive: PrimitiveKind, name: string, what: string) =>
    changes.push({ kind, primitive, name, what });
  const order = ['tools', 'prompts', 'resources', 'resourceTemplates'] as const;
  for (const primitive of order) {
    for (const name of Object.keys(before[primitive]))
      if (!Object.hasOwn(after[primitive], name)) add('breaking', primitive, name, 'removed');
    for (const name of Object.keys(after[primitive]))
      if (!Object.hasOwn(before[primitive], name)) add('additive', primitive, name, 'added');
  }
  for (const [name, tool] of Object.entries(after.tools)) {
    const old = Object.hasOwn(before.tools, name) ? before.tools[name] : undefined;
    if (old === undefined) continue;
    const oldIn = (old.inputSchema ?? {}) as ObjectSchema;
    const newIn = (tool.inputSchema ?? {}) as ObjectSchema;
    const oldRequired = new Set(oldIn.required ?? []);
    for (const field of newIn.required ?? []) {
      if (!oldRequired.has(field)) add('breaking', 'tools', name, `new required input "${field}"`);
    }
    for (const [field, schema] of Object.entries(newIn.properties ?? {})) {
      const was = Object.hasOwn(oldIn.properties ?? {}, field)
        ? oldIn.properties?.[field]
        : undefined;
      if (was === undefined) {
        if (!(newIn.required ?? []).includes(field))
          add('additive', 'tools', name, `new optional input "${field}"`);
      } else if (JSON.stringify(was.type) !== JSON.stringify(schema.type)) {
        add(
          'breaking',
          'tools',
          name,
          `input "${field}" type ${typeText(was.type)} -> ${typeText(schema.type)}`,
        );
      }
    }
    const oldOut = (old.outputSchema ?? {}) as ObjectSchema;
    const newOut = (tool.outputSchema ?? {}) as ObjectSchema;
    for (const [field, schema] of Object.entries(oldOut.properties ?? {})) {
      const now = Object.hasOwn(newOut.properties ?? {}, field)
        ? newOut.properties?.[field]
        : undefined;
      if (now === undefined) {
        if (tool.outputSchema !== undefined)
          add('breaking', 'tools', name, `output "${field}" removed`);
      } else if (JSON.stringify(now.type) !== JSON.stringify(schema.type)) {
        add(
          'breaking',
          'tools',
          name,
          `output "${field}" type ${typeText(schema.type)} -> ${typeText(now.type)}`,
        );
      }
    }
  }
  for (const [name, prompt] of Object.entries(after.prompts)) {
    const old = Object.hasOwn(before.prompts, name) ? before.prompts[name] : undefined;
    if (old === undefined) continue;
    const args = (list: unknown): { name: string; required?: boolean }[] =>
      Array.isArray(list) ? (list as { name: string; required?: boolean }[]) : [];
    const oldRequired = new Set(
      args(old.arguments)
        .filter((a) => a.required === true)
        .map((a) => a.name),
    );
    for (const arg of args(prompt.arguments)) {
      if (arg.required === true && !oldRequired.has(arg.name))
        add('breaking', 'prompts', name, `new required argument "${arg.name}"`);
    }
  }
  for (const primitive of order) changes.push(...otherChanges(primitive, before, after, changes));
  return changes;
}

const FIELD_WORDS: Record<string, string> = {
  inputSchema: 'input schema',
  outputSchema: 'output schema',
  arguments: 'arguments',
  mimeType: 'mime type',
};

/** The fields of a primitive present in both that differ and that no finer change has put in words. */
function otherChanges(
  primitive: PrimitiveKind,
  before: Surface,
  after: Surface,
  found: readonly SurfaceChange[],
): SurfaceChange[] {
  const result: SurfaceChange[] = [];
  for (const [name, value] of Object.entries(after[primitive])) {
    if (!Object.hasOwn(before[primitive], name)) continue;
    const old = before[primitive][name] as Record<string, unknown>;
    const now = value as Record<string, unknown>;
    const said = found
      .filter((c) => c.primitive === primitive && c.name === name)
      .map((c) => c.what);
    const fields = new Set([...Object.keys(old), ...Object.keys(now)]);
    for (const field of [...fields].sort()) {
      if (canonicalJson(old[field]) === canonicalJson(now[field])) continue;
      const explained = field === 'outputSchema' ? /^output / : /^(?:new \w+ )?(?:input|argument)/;
      const schema = field === 'inputSchema' || field === 'outputSchema' || field === 'arguments';
      if (schema && said.some((what) => explained.test(what))) continue;
      const word = FIELD_WORDS[field] ?? field;
      result.push({
        kind: 'other',
        primitive,
        name,
        what:
          field === 'mimeType'
            ? `${word} ${String(old[field] ?? 'none')} -> ${String(now[field] ?? 'none')}`
            : `${word} changed`,
      });
    }
  }
  return result;
}

function typeText(type: unknown): string {
  return type === undefined ? 'any' : Array.isArray(type) ? type.join('|') : String(type);
}

/** One change as smoke's report lists it: `tool ping removed`, `tool search: new required input "q"`. */
export function changeLine(change: SurfaceChange): string {
  const subject = `${ONE[change.primitive]} ${change.name}`;
  return change.what === 'added' || change.what === 'removed'
    ? `${subject} ${change.what}`
    : `${subject}: ${change.what}`;
}

/**
 * Changes as the reload line groups them, one part per kind of primitive, e.g.
 * `tools: +get_forecast ~count_words (new required input "lang"; description changed) -ping`:
 * added and changed primitives by name, then removed ones; within one, breaking words first.
 */
export function reloadParts(changes: readonly SurfaceChange[]): string[] {
  const rank = { breaking: 0, additive: 1, other: 2 } as const;
  const parts: string[] = [];
  for (const primitive of ['tools', 'resources', 'resourceTemplates', 'prompts'] as const) {
    const mine = changes.filter((c) => c.primitive === primitive);
    const removed = new Set(mine.filter((c) => c.what === 'removed').map((c) => c.name));
    const names = [...new Set(mine.map((c) => c.name))].sort((a, b) =>
      removed.has(a) !== removed.has(b) ? (removed.has(a) ? 1 : -1) : a < b ? -1 : a > b ? 1 : 0,
    );
    const words = names.map((name) => {
      const about = mine.filter((c) => c.name === name);
      if (removed.has(name)) return `-${name}`;
      if (about.some((c) => c.what === 'added')) return `+${name}`;
      const how = about.sort((a, b) => rank[a.kind] - rank[b.kind]).map((c) => c.what);
      return `~${name} (${how.join('; ')})`;
    });
    if (words.length > 0)
      parts.push(
        `${primitive === 'resourceTemplates' ? 'templates' : primitive}: ${words.join(' ')}`,
      );
  }
  return parts;
}
