import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import type { Prompt, Resource, ResourceTemplate, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { RawSurface } from '../server/surface.js';
import { clientNameProblem, collidingUri, parseCollidingUri, prefixedName } from './names.js';

/** A server that is in the aggregate, with what it lists (as sent). */
export interface MemberSurface {
  server: string;
  prefix: string;
  raw: RawSurface;
}

export interface AggregateOptions {
  /** `/mcp`: names get the server's prefix. `/servers/<name>/mcp`: they stay as they are. */
  prefixed: boolean;
  /** What the client puts before each name (see clientNameProblem). */
  clientPrefix: string;
}

/** A tool or prompt that is not in the aggregate because its name would not work in clients. */
export interface LeftOut {
  server: string;
  kind: 'tool' | 'prompt';
  name: string;
  problem: string;
}

/** What a set of servers offers through one endpoint, and how each name routes back. */
export interface Aggregate {
  tools: Tool[];
  prompts: Prompt[];
  resources: Resource[];
  resourceTemplates: ResourceTemplate[];
  leftOut: LeftOut[];
  servers: string[];
  /** A resource URI -> its server and the server's own URI; undefined when no server claims it. */
  routeUri(uri: string): { server: string; uri: string } | undefined;
  /** The server of a listed resource template (completion/complete of a template argument). */
  routeTemplate(uriTemplate: string): string | undefined;
}

/**
 * Merges the members' lists, in the manifest's order. A name that would not work in clients is left
 * out (and reported by the caller), never cut short; a resource URI two servers list is rewritten
 * for both (see collidingUri); other URIs and every template stay as the servers wrote them.
 */
export function aggregate(members: readonly MemberSurface[], options: AggregateOptions): Aggregate {
  const byPrefix = new Map(members.map((m) => [m.prefix, m]));
  const leftOut: LeftOut[] = [];
  const named = <T extends { name: string }>(
    member: MemberSurface,
    item: T,
    kind: LeftOut['kind'],
  ) => {
    if (!options.prefixed) return item;
    const name = prefixedName(member.prefix, item.name);
    const problem = clientNameProblem(name, options.clientPrefix);
    if (problem === undefined) return { ...item, name };
    leftOut.push({ server: member.server, kind, name: item.name, problem });
    return undefined;
  };
  const holders = new Map<string, number>();
  for (const member of members)
    for (const resource of member.raw.resources)
      holders.set(resource.uri, (holders.get(resource.uri) ?? 0) + 1);
  const uris = new Map<string, { server: string; uri: string }>();
  const result: Omit<Aggregate, 'routeUri' | 'routeTemplate'> = {
    tools: [],
    prompts: [],
    resources: [],
    resourceTemplates: [],
    leftOut,
    servers: members.map((m) => m.server),
  };
  for (const member of members) {
    for (const tool of member.raw.tools) {
      const item = named(member, tool, 'tool');
      if (item !== undefined) result.tools.push(item);
    }
    for (const prompt of member.raw.prompts) {
      const item = named(member, prompt, 'prompt');
      if (item !== undefined) result.prompts.push(item);
    }
    for (const resource of member.raw.resources) {
      const shared = (holders.get(resource.uri) ?? 0) > 1;
      const uri = shared ? collidingUri(member.prefix, resource.uri) : resource.uri;
      uris.set(uri, { server: member.server, uri: resource.uri });
      result.resources.push(shared ? { ...resource, uri } : resource);
    }
    result.resourceTemplates.push(...member.raw.resourceTemplates);
  }
  const templates = members.flatMap((member) =>
    member.raw.resourceTemplates.flatMap((t) => {
      try {
        return [{ server: member.server, template: new UriTemplate(t.uriTemplate) }];
      } catch {
        return [];
      }
    }),
  );
  const withResources = members.filter(
    (m) => m.raw.resources.length > 0 || m.raw.resourceTemplates.length > 0,
  );
  return {
    ...result,
    routeTemplate(uriTemplate) {
      return members.find((m) => m.raw.resourceTemplates.some((t) => t.uriTemplate === uriTemplate))
        ?.server;
    },
    routeUri(uri) {
      const listed = uris.get(uri);
      if (listed !== undefined) return listed;
      const rewritten = parseCollidingUri(uri);
      const owner = rewritten === undefined ? undefined : byPrefix.get(rewritten.prefix);
      if (rewritten !== undefined && owner !== undefined)
        return { server: owner.server, uri: rewritten.uri };
      for (const { server, template } of templates)
        if (template.match(uri) !== null) return { server, uri };
      const only = withResources.length === 1 ? withResources[0] : undefined;
      return only === undefined ? undefined : { server: only.server, uri };
    },
  };
}
