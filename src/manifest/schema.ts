import { z } from 'zod';
import { SERVER_NAME_MAX, serverNameProblem } from './names.js';
import { BUILTIN_ROLES, RoleSchema, isBuiltinRole } from './roles.js';
import {
  CLIENT_NAME_MAX,
  DEFAULT_GATEWAY,
  PREFIX_SEPARATOR,
  exposedWithoutAuth,
  hostProblem,
  isLoopbackHost,
  nameRoom,
} from './gateway.js';

/** The file name of the workspace manifest. */
export { MANIFEST_FILE } from './root.js';

export const DEFAULT_HEALTH = { interval: 5000, timeout: 2000, failures: 3 } as const;
export const DEFAULT_HTTP_PATH = '/mcp';
/** Where the 2024-11-05 HTTP+SSE servers (server-everything's `sse` mode, many older ones) listen. */
export const DEFAULT_SSE_PATH = '/sse';

/** How mcpx talks to a server, as the manifest may spell it; `streamableHttp` is `http` (1mcp's name). */
export const TRANSPORT_NAMES = ['stdio', 'http', 'streamableHttp', 'sse'] as const;
export type TransportName = (typeof TRANSPORT_NAMES)[number];
/** A transport once its aliases are resolved. */
export type Transport = 'stdio' | 'http' | 'sse';

export function normaliseTransport(name: TransportName): Transport {
  return name === 'streamableHttp' ? 'http' : name;
}

const SSE_DEPRECATED =
  '"sse" is the HTTP+SSE transport of protocol 2024-11-05, deprecated since 2025-03-26: use "http" (Streamable HTTP) for servers that offer it';

export const HealthSchema = z
  .strictObject({
    interval: z
      .int()
      .min(100)
      .max(3_600_000)
      .optional()
      .describe(`Milliseconds between MCP pings (default ${DEFAULT_HEALTH.interval}).`),
    timeout: z
      .int()
      .min(50)
      .max(600_000)
      .optional()
      .describe(`Milliseconds a ping may take (default ${DEFAULT_HEALTH.timeout}).`),
    failures: z
      .int()
      .min(1)
      .max(100)
      .optional()
      .describe(
        `Failed pings in a row before the server is unhealthy and restarted (default ${DEFAULT_HEALTH.failures}).`,
      ),
  })
  .describe('MCP health checks (ping).');

/** One example call that `mcpx smoke` makes and checks. */
export const SmokeCaseSchema = z
  .strictObject({
    name: z.string().optional().describe('Shown in the report (default: the call itself).'),
    tool: z.string().optional().describe('Call this tool.'),
    resource: z.string().optional().describe('Read this resource URI.'),
    prompt: z.string().optional().describe('Get this prompt.'),
    arguments: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('Tool arguments, or prompt arguments (strings).'),
    expect: z
      .strictObject({
        error: z
          .boolean()
          .optional()
          .describe('The call is expected to fail (isError, or a JSON-RPC error); default false.'),
        text: z.string().optional().describe('The text of the result contains this.'),
        matches: z
          .string()
          .optional()
          .describe('The text of the result matches this regular expression.'),
        structured: z
          .record(z.string(), z.unknown())
          .optional()
          .describe(
            "A tool's structuredContent contains these fields with these values (partial deep equality).",
          ),
      })
      .optional(),
    timeout: z
      .int()
      .min(1)
      .max(600_000)
      .optional()
      .describe('Milliseconds the call may take (default 5000).'),
  })
  .superRefine((c, ctx) => {
    const targets = [c.tool, c.resource, c.prompt].filter((t) => t !== undefined).length;
    if (targets !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: 'a smoke case names exactly one of "tool", "resource" or "prompt"',
      });
    }
    if (c.expect?.matches !== undefined) {
      try {
        new RegExp(c.expect.matches);
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          path: ['expect', 'matches'],
          message: `invalid regular expression: ${String(error)}`,
        });
      }
    }
  });

export type SmokeCase = z.infer<typeof SmokeCaseSchema>;

/** How a server meets the clients of the gateway. */
export const ServerGatewaySchema = z
  .strictObject({
    prefix: z
      .string()
      .min(1)
      .regex(/^[a-zA-Z0-9-]+$/, 'letters, digits and "-" (no "_", so "__" stays the separator)')
      .optional()
      .describe(
        `What the gateway puts before this server's tool and prompt names, as <prefix>${PREFIX_SEPARATOR}<name> (default: the server's name); unique across servers. A shorter one leaves more room within ${CLIENT_NAME_MAX} characters.`,
      ),
  })
  .describe('How the gateway of `mcpx dev` presents this server.');

export const ISOLATION_MODES = ['shared', 'session'] as const;
export type Isolation = (typeof ISOLATION_MODES)[number];

/** The gateway of `mcpx dev`: one MCP endpoint for the whole cluster. */
export const GatewaySchema = z
  .strictObject({
    port: z
      .int()
      .min(1)
      .max(65535)
      .optional()
      .describe(
        `Port of the gateway (default ${DEFAULT_GATEWAY.port}); \`--gateway-port\` overrides it.`,
      ),
    host: z
      .string()
      .superRefine((host, ctx) => {
        const problem = hostProblem(host);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional()
      .describe(
        `Address the gateway binds (default ${DEFAULT_GATEWAY.host}). Anything but loopback needs "auth".`,
      ),
    auth: z
      .boolean()
      .optional()
      .describe(
        'Require the bearer token of .mcpx/gateway-token on /mcp and /servers/* (default true); false is allowed on a loopback host only.',
      ),
    clientPrefix: z
      .string()
      .max(CLIENT_NAME_MAX - 4)
      .regex(/^[a-zA-Z0-9_-]*$/, 'letters, digits, "_" and "-"')
      .optional()
      .describe(
        `What your MCP client puts before each tool name (default "${DEFAULT_GATEWAY.clientPrefix}", as Claude Code does for a server named mcpx); the gateway keeps clientPrefix + prefix + "${PREFIX_SEPARATOR}" + name within ${CLIENT_NAME_MAX} characters.`,
      ),
  })
  .describe('The gateway of `mcpx dev`: one MCP endpoint for the whole cluster.');

/** A start or stop timeout: at least 100 ms, at most 10 minutes. */
const TimeoutMs = z.int().min(100).max(600_000).optional();

export const SmokeEntrySchema = z
  .strictObject({
    cases: z.array(SmokeCaseSchema).optional().describe('Example calls and what they must return.'),
    startTimeout: TimeoutMs.describe(
      "Milliseconds `mcpx smoke` gives the whole start (default: the server's `startTimeout`, else 30000).",
    ),
    stopTimeout: TimeoutMs.describe(
      'Milliseconds to stop after stdin closes and SIGTERM (default 5000).',
    ),
  })
  .describe('What `mcpx smoke` checks for this server.');

/**
 * One server. The standard fields (`command`, `args`, `env`, `cwd`, `url`, `headers`, `type`) are
 * the shape MCP clients already read, so the file can be handed to another tool; mcpx's own fields
 * sit beside them.
 */
export const ServerEntrySchema = z
  .strictObject({
    command: z.string().min(1).optional().describe('Executable that starts the server.'),
    args: z.array(z.string()).optional().describe('Arguments for `command`.'),
    env: z
      .record(z.string(), z.string())
      .optional()
      .describe(
        'Environment variables for the server; `${NAME}` and `${NAME:-default}` expand from the environment mcpx runs in.',
      ),
    cwd: z
      .string()
      .min(1)
      .optional()
      .describe('Working directory, relative to the workspace root.'),
    url: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe(
        'Endpoint of an HTTP server that mcpx does not start (Streamable HTTP, or legacy SSE: see `transport`).',
      ),
    headers: z
      .record(z.string(), z.string())
      .optional()
      .describe('HTTP headers sent to `url` (values expand `${NAME}` like `env`).'),
    type: z
      .enum(TRANSPORT_NAMES)
      .optional()
      .describe(
        'Transport, as Claude Code and VS Code spell it; same as `transport` ("sse" is deprecated: see there).',
      ),
    transport: z
      .enum(TRANSPORT_NAMES)
      .optional()
      .describe(
        `How mcpx talks to the server: "stdio", "http" (Streamable HTTP; "streamableHttp" is the same) or "sse". ${SSE_DEPRECATED}; mcpx still runs "sse" servers, and the gateway serves old SSE clients at /sse. Default: stdio for \`command\`; for \`url\`, Streamable HTTP first and SSE when that answers 400, 404 or 405.`,
      ),
    role: z
      .string()
      .optional()
      .describe('The responsibility of the server: a built-in role or one declared under `roles`.'),
    description: z.string().optional().describe('What the server is for.'),
    disabled: z.boolean().optional().describe('Keep the entry but do not run it.'),
    watch: z
      .array(z.string().min(1))
      .optional()
      .describe('Globs (relative to `cwd`) whose changes reload the server in `mcpx dev`.'),
    replicas: z
      .union([
        z.int().min(1).max(16),
        z
          .strictObject({
            min: z.int().min(1).max(16).describe("Instances `mcpx dev` runs; the HPA's minimum."),
            max: z.int().min(1).max(1000).describe("The HPA's maximum on Kubernetes."),
          })
          .refine((r) => r.min <= r.max, { message: '"min" must not exceed "max"', path: ['max'] }),
      ])
      .optional()
      .describe(
        'How many instances `mcpx dev` runs (default 1). `{"min": 2, "max": 10}` asks for autoscaling: `mcpx dev` runs min, `mcpx k8s render` writes a HorizontalPodAutoscaler between the two.',
      ),
    port: z
      .int()
      .min(1)
      .max(65535)
      .optional()
      .describe('Fixed port for an HTTP server (default: a free port, passed as PORT).'),
    path: z
      .string()
      .regex(/^\/[^\s?#]*$/, 'a URL path starting with "/"')
      .optional()
      .describe(
        `Endpoint path of an HTTP or SSE server that mcpx starts (default ${DEFAULT_HTTP_PATH}, or ${DEFAULT_SSE_PATH} for "sse").`,
      ),
    startTimeout: TimeoutMs.describe(
      'Milliseconds from spawn to ready (initialize done, primitives listed) in `mcpx dev` and `mcpx smoke` (default 30000); `smoke.startTimeout` overrides it for smoke.',
    ),
    health: HealthSchema.optional(),
    smoke: SmokeEntrySchema.optional(),
    gateway: ServerGatewaySchema.optional(),
    isolation: z
      .enum(ISOLATION_MODES)
      .optional()
      .describe(
        'How gateway sessions share the server. "shared" (default): every client session calls the same replicas, balanced per call. "session": a dedicated instance for each client session, started at the first call of that session to it and stopped when the session ends; for servers that use sampling, elicitation or roots (requests back to one client), or keep per-client state.',
      ),
  })
  .superRefine((entry, ctx) => {
    if (entry.command === undefined && entry.url === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'a server needs either "command" (mcpx starts it) or "url" (it runs elsewhere)',
      });
    }
    if (entry.command !== undefined && entry.url !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message: 'a server has either "command" or "url", not both',
      });
    }
    if (
      entry.type !== undefined &&
      entry.transport !== undefined &&
      normaliseTransport(entry.type) !== normaliseTransport(entry.transport)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['transport'],
        message: `"type" says ${entry.type} but "transport" says ${entry.transport}`,
      });
    }
    const written = entry.transport ?? entry.type;
    const transport = written === undefined ? undefined : normaliseTransport(written);
    if (entry.url !== undefined && transport === 'stdio') {
      ctx.addIssue({
        code: 'custom',
        path: ['transport'],
        message: 'a server given by "url" is reached over http, not stdio',
      });
    }
    if (entry.url !== undefined) {
      for (const key of ['args', 'cwd', 'env', 'watch', 'replicas', 'port', 'path'] as const) {
        if (entry[key] !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `"${key}" applies only to a server mcpx starts with "command"; this one has "url"`,
          });
        }
      }
    }
    if (transport !== 'http' && transport !== 'sse') {
      for (const key of ['port', 'path', 'headers'] as const) {
        if (entry[key] !== undefined && entry.url === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `"${key}" applies only to an http or sse server; set "transport": "http" or remove it`,
          });
        }
      }
    }
    if (entry.url !== undefined && entry.isolation === 'session') {
      ctx.addIssue({
        code: 'custom',
        path: ['isolation'],
        message:
          '"session" starts an instance per client session, so it needs a server mcpx starts with "command"; this one has "url"',
      });
    }
    if (entry.port !== undefined && entry.isolation === 'session') {
      ctx.addIssue({
        code: 'custom',
        path: ['port'],
        message:
          'the instances of "isolation": "session" cannot share one fixed "port"; remove "port" to get a free port each',
      });
    }
    if (entry.port !== undefined && replicaCount(entry.replicas) > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['replicas'],
        message:
          'several replicas cannot share one fixed "port"; remove "port" to get a free port each',
      });
    }
  });

export type ServerEntry = z.infer<typeof ServerEntrySchema>;

/** The instances `mcpx dev` runs for an entry's `replicas`: the number, or an autoscaling minimum. */
export function replicaCount(replicas: ServerEntry['replicas']): number {
  if (replicas === undefined) return 1;
  return typeof replicas === 'number' ? replicas : replicas.min;
}

const ServerNameSchema = z
  .string()
  .superRefine((name, ctx) => {
    const problem = serverNameProblem(name);
    if (problem !== undefined)
      ctx.addIssue({ code: 'custom', message: `invalid server name: ${problem}` });
  })
  // For editors: the JSON Schema cannot carry the refinement, so state its gist as a pattern.
  .meta({ pattern: '^[a-z0-9](?:[a-z0-9]|[-_](?![-_]))*[a-z0-9]?$', maxLength: SERVER_NAME_MAX });

export const ManifestSchema = z
  .strictObject({
    $schema: z.string().optional().describe('JSON Schema for editors.'),
    roles: z
      .record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'a lowercase role name'), RoleSchema)
      .optional()
      .describe('Roles of this workspace besides the built-in tools, resources and prompts.'),
    mcpServers: z
      .record(ServerNameSchema, ServerEntrySchema)
      .describe('Every server of the workspace, by name.'),
    gateway: GatewaySchema.optional(),
    smoke: z
      .strictObject({
        clientPrefix: z
          .string()
          .optional()
          .describe(
            'Prefix clients put before tool names, {server} standing for the server name (default "mcp__{server}__", as Claude Code does); tool names must fit 64 characters with it.',
          ),
        snapshot: z
          .string()
          .optional()
          .describe(
            'The surface snapshot file, relative to the workspace (default mcpx.snapshot.json).',
          ),
      })
      .optional()
      .describe('Workspace-wide settings of `mcpx smoke`.'),
    logs: z
      .strictObject({
        maxFileBytes: z
          .int()
          .min(64 * 1024)
          .optional()
          .describe(
            'Size at which the live log segment (the highest-numbered .mcpx/logs/NNNNNN.jsonl) is rotated into the next number (default 10 MiB).',
          ),
        maxFiles: z
          .int()
          .min(1)
          .max(1000)
          .optional()
          .describe('Complete log segments kept besides the live one (default 5).'),
      })
      .optional()
      .describe('The JSONL log store of `mcpx dev` under .mcpx/logs/.'),
  })
  .superRefine((manifest, ctx) => {
    const roles = manifest.roles ?? {};
    for (const [name, role] of Object.entries(roles)) {
      if (isBuiltinRole(name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['roles', name],
          message: `"${name}" is a built-in role and cannot be redefined; pick another name`,
        });
      }
      if (role.template !== undefined && !role.primitives.includes(role.template)) {
        ctx.addIssue({
          code: 'custom',
          path: ['roles', name, 'template'],
          message: `template "${role.template}" exposes ${role.template}, which this role does not allow`,
        });
      }
    }
    for (const [name, entry] of Object.entries(manifest.mcpServers)) {
      if (
        entry.role !== undefined &&
        !isBuiltinRole(entry.role) &&
        !Object.hasOwn(roles, entry.role)
      ) {
        const known = [...Object.keys(BUILTIN_ROLES), ...Object.keys(roles)].join(', ');
        ctx.addIssue({
          code: 'custom',
          path: ['mcpServers', name, 'role'],
          message: `unknown role "${entry.role}"; known roles: ${known}`,
        });
      }
    }
    checkGateway(manifest, ctx);
  })
  .describe('mcpx workspace manifest: every MCP server of the workspace and the roles they play.');

export type Manifest = z.infer<typeof ManifestSchema>;

/**
 * What the gateway needs of the manifest as a whole: prefixes that tell servers apart and leave
 * room for a name, and a token on any host other machines can reach.
 */
function checkGateway(
  manifest: {
    gateway?: z.infer<typeof GatewaySchema> | undefined;
    mcpServers: Record<string, ServerEntry>;
  },
  ctx: z.RefinementCtx,
): void {
  const host = manifest.gateway?.host ?? DEFAULT_GATEWAY.host;
  if (manifest.gateway?.auth === false && !isLoopbackHost(host)) {
    ctx.addIssue({ code: 'custom', path: ['gateway', 'auth'], message: exposedWithoutAuth(host) });
  }
  const clientPrefix = manifest.gateway?.clientPrefix ?? DEFAULT_GATEWAY.clientPrefix;
  const owners = new Map<string, string>();
  for (const [name, entry] of Object.entries(manifest.mcpServers)) {
    const prefix = entry.gateway?.prefix ?? name;
    const path =
      entry.gateway?.prefix === undefined
        ? ['mcpServers', name]
        : ['mcpServers', name, 'gateway', 'prefix'];
    const owner = owners.get(prefix);
    if (owner === undefined) owners.set(prefix, name);
    else {
      ctx.addIssue({
        code: 'custom',
        path,
        message: `servers "${owner}" and "${name}" both have the gateway prefix "${prefix}"; give one of them another "gateway": {"prefix": ...}`,
      });
    }
    if (nameRoom(clientPrefix, prefix) < 1) {
      ctx.addIssue({
        code: 'custom',
        path,
        message: `"${clientPrefix}${prefix}${PREFIX_SEPARATOR}" leaves no room for a tool name within ${CLIENT_NAME_MAX} characters; set a shorter "gateway": {"prefix": ...}`,
      });
    }
  }
}
