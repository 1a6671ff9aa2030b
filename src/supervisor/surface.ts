import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Prompt, Resource, ResourceTemplate, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { SurfaceCounts } from './state.js';

/** What a server exposes: each primitive by name, with what matters for a diff. */
export interface Surface {
  tools: Map<string, string>;
  resources: Map<string, string>;
  resourceTemplates: Map<string, string>;
  prompts: Map<string, string>;
}

const KINDS = ['tools', 'resources', 'resourceTemplates', 'prompts'] as const;

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
    list: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor?: string | undefined }>,
  ): Promise<T[]> => {
    const items: T[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const result = await list(cursor);
      items.push(...result.items);
      cursor = result.nextCursor;
      if (cursor === undefined) break;
    }
    return items;
  };
  const wrap = (kind: string, error: unknown): Error =>
    new Error(`${kind}: ${error instanceof Error ? error.message : String(error)}`);
  return {
    tools: caps.tools
      ? await pages(async (cursor) => {
          const r = await client.listTools({ cursor }, options).catch((e: unknown) => {
            throw wrap('tools/list', e);
          });
          return { items: r.tools, nextCursor: r.nextCursor };
        })
      : [],
    resources: caps.resources
      ? await pages(async (cursor) => {
          const r = await client.listResources({ cursor }, options).catch((e: unknown) => {
            throw wrap('resources/list', e);
          });
          return { items: r.resources, nextCursor: r.nextCursor };
        })
      : [],
    resourceTemplates: caps.resources
      ? await pages(async (cursor) => {
          const r = await client.listResourceTemplates({ cursor }, options).catch((e: unknown) => {
            throw wrap('resources/templates/list', e);
          });
          return { items: r.resourceTemplates, nextCursor: r.nextCursor };
        })
      : [],
    prompts: caps.prompts
      ? await pages(async (cursor) => {
          const r = await client.listPrompts({ cursor }, options).catch((e: unknown) => {
            throw wrap('prompts/list', e);
          });
          return { items: r.prompts, nextCursor: r.nextCursor };
        })
      : [],
  };
}

/**
 * The surface as the supervisor compares it across reloads: per primitive, a stable JSON of its
 * schema-bearing fields, so a changed input schema shows as "~".
 */
export async function listSurface(client: Client, timeout: number): Promise<Surface> {
  const raw = await listRaw(client, timeout);
  return {
    tools: new Map(
      raw.tools.map((t) => [t.name, stable({ in: t.inputSchema, out: t.outputSchema })]),
    ),
    resources: new Map(raw.resources.map((r) => [r.uri, stable({ mime: r.mimeType })])),
    resourceTemplates: new Map(
      raw.resourceTemplates.map((t) => [t.uriTemplate, stable({ mime: t.mimeType })]),
    ),
    prompts: new Map(raw.prompts.map((p) => [p.name, stable({ args: p.arguments })])),
  };
}

export function countSurface(surface: Surface): SurfaceCounts {
  return {
    tools: surface.tools.size,
    resources: surface.resources.size,
    resourceTemplates: surface.resourceTemplates.size,
    prompts: surface.prompts.size,
  };
}

/**
 * What changed between two surfaces, as `tools: +get_forecast -ping ~count_words` parts (added,
 * removed, changed schema); empty when nothing did.
 */
export function diffSurface(before: Surface, after: Surface): string[] {
  const parts: string[] = [];
  for (const kind of KINDS) {
    const changes: string[] = [];
    for (const [name, shape] of after[kind]) {
      const old = before[kind].get(name);
      if (old === undefined) changes.push(`+${name}`);
      else if (old !== shape) changes.push(`~${name}`);
    }
    for (const name of before[kind].keys()) if (!after[kind].has(name)) changes.push(`-${name}`);
    if (changes.length > 0)
      parts.push(`${kind === 'resourceTemplates' ? 'templates' : kind}: ${changes.join(' ')}`);
  }
  return parts;
}

/** JSON with sorted keys, so two equal schemas compare equal whatever their key order. */
function stable(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}
