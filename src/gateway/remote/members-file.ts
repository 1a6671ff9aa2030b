import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { z } from 'zod';
import { McpxError, fileSystemError } from '../../errors.js';
import { type JsonPath, locate, parseJsonText } from '../../manifest/json-text.js';
import { serverNameProblem } from '../../manifest/names.js';
import { HealthSchema, ServerEntrySchema, ServerGatewaySchema } from '../../manifest/schema.js';
import { type RemoteServerConfig, serverConfig } from '../../manifest/servers.js';

/**
 * Where a remote server's replicas are: fixed URLs, or every address its URL's host resolves to
 * (a Kubernetes headless Service), looked up again every `DNS_REFRESH_MS`.
 */
export type ReplicaSource = { kind: 'urls'; urls: string[] } | { kind: 'dns'; url: string };

/** One server of `mcpx gateway`: its settings as a manifest `url` entry, and its replicas. */
export interface RemoteMember {
  config: RemoteServerConfig;
  source: ReplicaSource;
}

const Url = z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' });

const MemberSchema = z
  .strictObject({
    url: Url.optional(),
    urls: z.array(Url).min(1).optional(),
    discovery: z.enum(['dns', 'none']).optional(),
    prefix: ServerGatewaySchema.shape.prefix,
    headers: z.record(z.string(), z.string()).optional(),
    health: HealthSchema.optional(),
    startTimeout: ServerEntrySchema.shape.startTimeout,
  })
  .superRefine((member, ctx) => {
    if ((member.url === undefined) === (member.urls === undefined))
      ctx.addIssue({
        code: 'custom',
        message:
          'give either "url" (one address, or a Service with "discovery": "dns") or "urls" (fixed replicas)',
      });
    else if (member.discovery === 'dns' && member.url === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['discovery'],
        message:
          '"discovery": "dns" resolves the host of "url"; with "urls" the replicas are fixed',
      });
  });

const MembersSchema = z.strictObject({
  servers: z.record(z.string(), MemberSchema),
});

/**
 * Reads a members file (`{"servers": {"<name>": {"url" | "urls", "discovery"?, "prefix"?,
 * "headers"?, "health"?, "startTimeout"?}}}`, the ConfigMap of `mcpx k8s render`). Throws McpxError (exit 2) naming
 * the file, the line and the field of the first problem.
 */
export async function readMembersFile(path: string): Promise<RemoteMember[]> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new McpxError(`The members file ${file} does not exist.`, {
        hint: 'give --members the path of a JSON file like {"servers": {"docs": {"url": "http://docs:8080/mcp"}}}',
      });
    throw fileSystemError(error) ?? error;
  }
  return parseMembers(file, text);
}

/** The members of a members file's text; `file` is only named in errors. */
export function parseMembers(file: string, text: string): RemoteMember[] {
  const parsed = parseJsonText(text);
  const syntax = parsed.syntax[0];
  if (syntax !== undefined)
    throw problem(file, syntax, undefined, `it is not valid JSON: ${syntax.message}`);
  const duplicate = parsed.duplicates[0] ?? parsed.protoKeys[0];
  if (duplicate !== undefined)
    throw problem(file, duplicate.position, duplicate.path, 'this key appears twice');
  const result = MembersSchema.safeParse(parsed.value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = (issue?.path ?? []) as JsonPath;
    throw problem(file, locate(text, parsed.tree, path), path, issue?.message ?? 'invalid');
  }
  const members: RemoteMember[] = [];
  const prefixes = new Map<string, string>();
  for (const [name, member] of Object.entries(result.data.servers)) {
    const path = ['servers', name];
    const nameProblem = serverNameProblem(name);
    if (nameProblem !== undefined)
      throw problem(
        file,
        locate(text, parsed.tree, path, true),
        path,
        `not a server name: ${nameProblem}`,
      );
    const url = member.url ?? (member.urls?.[0] as string);
    const config = serverConfig(
      '/',
      name,
      {
        url,
        transport: 'http',
        ...(member.headers === undefined ? {} : { headers: member.headers }),
        ...(member.health === undefined ? {} : { health: member.health }),
        ...(member.startTimeout === undefined ? {} : { startTimeout: member.startTimeout }),
        ...(member.prefix === undefined ? {} : { gateway: { prefix: member.prefix } }),
      },
      new Map(),
    ) as RemoteServerConfig;
    const owner = prefixes.get(config.prefix);
    if (owner !== undefined)
      throw problem(
        file,
        locate(text, parsed.tree, [...path, 'prefix']),
        [...path, 'prefix'],
        `servers "${owner}" and "${name}" both have the prefix "${config.prefix}"; give one of them another "prefix"`,
      );
    prefixes.set(config.prefix, name);
    members.push({
      config,
      source:
        member.discovery === 'dns'
          ? { kind: 'dns', url }
          : { kind: 'urls', urls: member.urls ?? [url] },
    });
  }
  if (members.length === 0)
    throw problem(
      file,
      { line: 1, column: 1 },
      ['servers'],
      'no servers: the gateway would serve nothing',
    );
  return members;
}

function problem(
  file: string,
  at: { line: number; column: number },
  path: JsonPath | undefined,
  message: string,
): McpxError {
  const field = path === undefined || path.length === 0 ? '' : ` ${dotted(path)}:`;
  return new McpxError(`${file}:${at.line}:${at.column}:${field} ${message}.`, {
    hint: 'each server is {"url": "http://<host>:<port>/mcp", "discovery"?: "dns" | "none", "prefix"?, "headers"?, "health"?, "startTimeout"?} or {"urls": [...], ...} under "servers"',
  });
}

/** `servers.docs.urls[1]`. */
function dotted(path: JsonPath): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join('');
}
