import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Prompt, Resource, ResourceTemplate, Tool } from '@modelcontextprotocol/sdk/types.js';
import { type SurfaceSnapshot, diffSnapshots, snapshotOf } from '../smoke/surface.js';
import type { SurfaceCounts } from './state.js';

/**
 * What a server exposes: each primitive by name (or URI) with a stable JSON of what a client
 * sees of it, so that any change shows; and the snapshot, to say what the change was.
 */
export interface Surface {
  tools: Map<string, string>;
  resources: Map<string, string>;
  resourceTemplates: Map<string, string>;
  prompts: Map<string, string>;
  snapshot: SurfaceSnapshot;
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

/** The surface as the supervisor compares it across reloads. */
export async function listSurface(client: Client, timeout: number): Promise<Surface> {
  return surfaceOf(await listRaw(client, timeout));
}

/** What `listSurface` makes of what a server listed. */
export function surfaceOf(raw: RawSurface): Surface {
  const snapshot = snapshotOf(raw);
  const shapes = (entries: Record<string, unknown>): Map<string, string> =>
    new Map(Object.entries(entries).map(([key, value]) => [key, stable(value)]));
  return {
    tools: shapes(snapshot.tools),
    resources: shapes(snapshot.resources),
    resourceTemplates: shapes(snapshot.resourceTemplates),
    prompts: shapes(snapshot.prompts),
    snapshot,
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
 * What changed between two surfaces, as parts such as
 * `tools: +get_forecast -ping ~count_words (new required input "lang")` (added, removed, changed,
 * and how); empty when nothing did.
 */
export function diffSurface(before: Surface, after: Surface): string[] {
  const parts: string[] = [];
  const { breaking, additions } = diffSnapshots(before.snapshot, after.snapshot);
  const found = [...breaking, ...additions];
  for (const kind of KINDS) {
    const changes: string[] = [];
    for (const [name, shape] of after[kind]) {
      const old = before[kind].get(name);
      if (old === undefined) changes.push(`+${name}`);
      else if (old !== shape) {
        changes.push(
          `~${name} (${howChanged(kind, name, before.snapshot, after.snapshot, found)})`,
        );
      }
    }
    for (const name of before[kind].keys()) if (!after[kind].has(name)) changes.push(`-${name}`);
    if (changes.length > 0)
      parts.push(`${kind === 'resourceTemplates' ? 'templates' : kind}: ${changes.join(' ')}`);
  }
  return parts;
}

const ONE: Record<(typeof KINDS)[number], string> = {
  tools: 'tool',
  prompts: 'prompt',
  resources: 'resource',
  resourceTemplates: 'resource template',
};

/**
 * How one primitive changed, in the words of smoke's snapshot diff where it has them (`new
 * required input "lang"`, `input "n" type string -> number`), else which of its fields did.
 */
function howChanged(
  kind: (typeof KINDS)[number],
  name: string,
  before: SurfaceSnapshot,
  after: SurfaceSnapshot,
  found: readonly string[],
): string {
  const prefix = `${ONE[kind]} ${name}: `;
  const how = found.filter((f) => f.startsWith(prefix)).map((f) => f.slice(prefix.length));
  const old = before[kind][name] as Record<string, unknown> | undefined;
  const now = after[kind][name] as Record<string, unknown> | undefined;
  const fields = new Set([...Object.keys(old ?? {}), ...Object.keys(now ?? {})]);
  const words: Record<string, string> = {
    inputSchema: 'input schema',
    outputSchema: 'output schema',
    arguments: 'arguments',
    mimeType: 'mime type',
  };
  for (const field of [...fields].sort()) {
    if (stable(old?.[field]) === stable(now?.[field])) continue;
    const word = words[field] ?? field;
    // Schema changes smoke's diff already put in words are not repeated as "... changed".
    const said = field === 'outputSchema' ? /^output / : /^(?:new \w+ )?(?:input|argument)/;
    const schema = field === 'inputSchema' || field === 'outputSchema' || field === 'arguments';
    if (schema && how.some((h) => said.test(h))) continue;
    how.push(
      field === 'mimeType'
        ? `${word} ${String(old?.[field] ?? 'none')} -> ${String(now?.[field] ?? 'none')}`
        : `${word} changed`,
    );
  }
  return how.join('; ');
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
