import type { RawSurface } from '../supervisor/surface.js';

/** The committed form of a server's surface: keyed by name or URI, keys sorted, no timestamps. */
export interface SurfaceSnapshot {
  tools: Record<
    string,
    { description?: string; inputSchema: unknown; outputSchema?: unknown; annotations?: unknown }
  >;
  resources: Record<string, { name: string; description?: string; mimeType?: string }>;
  resourceTemplates: Record<string, { name: string; description?: string; mimeType?: string }>;
  prompts: Record<string, { description?: string; arguments?: unknown }>;
}

export function snapshotOf(surface: RawSurface): SurfaceSnapshot {
  const by = <T, V>(
    items: T[],
    key: (item: T) => string,
    value: (item: T) => V,
  ): Record<string, V> => Object.fromEntries(items.map((item) => [key(item), value(item)]));
  return sortKeys({
    tools: by(
      surface.tools,
      (t) => t.name,
      (t) => ({
        description: t.description,
        inputSchema: t.inputSchema,
        outputSchema: t.outputSchema,
        annotations: t.annotations,
      }),
    ),
    resources: by(
      surface.resources,
      (r) => r.uri,
      (r) => ({ name: r.name, description: r.description, mimeType: r.mimeType }),
    ),
    resourceTemplates: by(
      surface.resourceTemplates,
      (t) => t.uriTemplate,
      (t) => ({
        name: t.name,
        description: t.description,
        mimeType: t.mimeType,
      }),
    ),
    prompts: by(
      surface.prompts,
      (p) => p.name,
      (p) => ({ description: p.description, arguments: p.arguments }),
    ),
  });
}

/** A copy with object keys sorted at every depth and undefined fields dropped: stable in review. */
export function sortKeys<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value, (_, v: unknown) =>
      v !== null && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(
            Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
              a < b ? -1 : a > b ? 1 : 0,
            ),
          )
        : v,
    ),
  ) as T;
}

export interface SurfaceDiff {
  breaking: string[];
  additions: string[];
}

interface ObjectSchema {
  properties?: Record<string, { type?: unknown }>;
  required?: string[];
}

/**
 * What a client would notice between a committed snapshot and today's surface. Breaking: a tool,
 * prompt, resource or template removed, a required input (or prompt argument) added, an input or
 * output property whose type changed. Additions: new primitives and new optional inputs.
 */
export function diffSnapshots(before: SurfaceSnapshot, after: SurfaceSnapshot): SurfaceDiff {
  const breaking: string[] = [];
  const additions: string[] = [];
  const kinds = [
    ['tools', 'tool'],
    ['prompts', 'prompt'],
    ['resources', 'resource'],
    ['resourceTemplates', 'resource template'],
  ] as const;
  for (const [kind, one] of kinds) {
    for (const name of Object.keys(before[kind]))
      if (!Object.hasOwn(after[kind], name)) breaking.push(`${one} ${name} removed`);
    for (const name of Object.keys(after[kind]))
      if (!Object.hasOwn(before[kind], name)) additions.push(`${one} ${name} added`);
  }
  for (const [name, tool] of Object.entries(after.tools)) {
    const old = Object.hasOwn(before.tools, name) ? before.tools[name] : undefined;
    if (old === undefined) continue;
    const oldIn = (old.inputSchema ?? {}) as ObjectSchema;
    const newIn = (tool.inputSchema ?? {}) as ObjectSchema;
    const oldRequired = new Set(oldIn.required ?? []);
    for (const field of newIn.required ?? []) {
      if (!oldRequired.has(field)) breaking.push(`tool ${name}: new required input "${field}"`);
    }
    for (const [field, schema] of Object.entries(newIn.properties ?? {})) {
      const was = Object.hasOwn(oldIn.properties ?? {}, field)
        ? oldIn.properties?.[field]
        : undefined;
      if (was === undefined) {
        if (!(newIn.required ?? []).includes(field))
          additions.push(`tool ${name}: new optional input "${field}"`);
      } else if (JSON.stringify(was.type) !== JSON.stringify(schema.type)) {
        breaking.push(
          `tool ${name}: input "${field}" type ${typeText(was.type)} -> ${typeText(schema.type)}`,
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
          breaking.push(`tool ${name}: output "${field}" removed`);
      } else if (JSON.stringify(now.type) !== JSON.stringify(schema.type)) {
        breaking.push(
          `tool ${name}: output "${field}" type ${typeText(schema.type)} -> ${typeText(now.type)}`,
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
        breaking.push(`prompt ${name}: new required argument "${arg.name}"`);
    }
  }
  return { breaking, additions };
}

function typeText(type: unknown): string {
  return type === undefined ? 'any' : Array.isArray(type) ? type.join('|') : String(type);
}
