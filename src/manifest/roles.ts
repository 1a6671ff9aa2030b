import { isIP } from 'node:net';
import { z } from 'zod';

/** The MCP primitives a server can expose; a role allows some of them. */
export const PRIMITIVE_KINDS = ['tools', 'resources', 'prompts'] as const;
export type PrimitiveKind = (typeof PRIMITIVE_KINDS)[number];

/** Environment variable names as POSIX shells accept them. */
const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name such as API_TOKEN');

/** `<CIDR>:<port>`, e.g. `0.0.0.0/0:443`: where a role's servers may connect on Kubernetes. */
const egressRule = z
  .string()
  .regex(/^[0-9a-fA-F.:]+\/\d{1,3}:\d{1,5}$/, 'a CIDR and a port, such as 0.0.0.0/0:443')
  .superRefine((rule, ctx) => {
    const problem = egressProblem(rule);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });

/** A destination of `egress`, parsed. */
export interface EgressRule {
  cidr: string;
  port: number;
}

/** Splits `<CIDR>:<port>` at its last colon (an IPv6 CIDR has colons of its own). */
export function parseEgress(rule: string): EgressRule {
  const at = rule.lastIndexOf(':');
  return { cidr: rule.slice(0, at), port: Number(rule.slice(at + 1)) };
}

function egressProblem(rule: string): string | undefined {
  const { cidr, port } = parseEgress(rule);
  const [address = '', bits = ''] = cidr.split('/');
  const family = isIP(address);
  if (family === 0) return `"${address}" is not an IPv4 or IPv6 address`;
  if (Number(bits) > (family === 4 ? 32 : 128))
    return `/${bits} is too long a prefix for an IPv${family} address`;
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    return `port ${port} is not from 1 to 65535`;
  return undefined;
}

export const RoleSchema = z
  .strictObject({
    description: z.string().optional().describe('What servers of this role are responsible for.'),
    primitives: z
      .array(z.enum(PRIMITIVE_KINDS))
      .min(1)
      .describe('The MCP primitives a server of this role may expose.'),
    readOnlyTools: z
      .boolean()
      .optional()
      .describe('When true, every tool must be annotated readOnlyHint: true.'),
    env: z
      .array(envName)
      .optional()
      .describe(
        'Names of environment variables passed from the parent environment to servers of this role.',
      ),
    egress: z
      .array(egressRule)
      .optional()
      .describe(
        'Kubernetes only: where servers of this role may connect besides DNS, as "<CIDR>:<port>" (e.g. "0.0.0.0/0:443"); `mcpx k8s render` writes them into the role\'s NetworkPolicy. Default: DNS only.',
      ),
    template: z
      .enum(PRIMITIVE_KINDS)
      .optional()
      .describe(
        'The built-in template `mcpx new server` uses for this role (default: its first primitive kind).',
      ),
  })
  .describe('A responsibility that keeps servers isolated: what they may expose and receive.');

export type Role = z.infer<typeof RoleSchema>;

/**
 * Built-in roles. Each keeps a server to one responsibility so that a tool-executing server and a
 * data server never share a process, an environment or a failure.
 */
export const BUILTIN_ROLES = {
  tools: {
    description:
      'Tool execution: tools with honest annotations (readOnlyHint, destructiveHint, ...).',
    primitives: ['tools'],
    readOnlyTools: false,
    env: [],
    egress: [],
    template: 'tools',
  },
  resources: {
    description:
      'Data retrieval: resources and resource templates; any tools it has must be read-only.',
    primitives: ['resources', 'tools'],
    readOnlyTools: true,
    env: [],
    egress: [],
    template: 'resources',
  },
  prompts: {
    description: 'Reasoning and prompt templates: prompts only.',
    primitives: ['prompts'],
    readOnlyTools: false,
    env: [],
    egress: [],
    template: 'prompts',
  },
} as const satisfies Record<string, Required<Role>>;

export type BuiltinRoleName = keyof typeof BUILTIN_ROLES;

export function isBuiltinRole(name: string): name is BuiltinRoleName {
  return Object.hasOwn(BUILTIN_ROLES, name);
}

/** A role with every optional field resolved. */
export interface ResolvedRole {
  name: string;
  description: string;
  primitives: readonly PrimitiveKind[];
  readOnlyTools: boolean;
  env: readonly string[];
  /** `<CIDR>:<port>` destinations its servers may reach on Kubernetes, besides DNS. */
  egress: readonly string[];
  template: PrimitiveKind;
  builtin: boolean;
}

/** All roles a manifest knows: the built-in ones plus its own. */
export function resolveRoles(custom: Record<string, Role> = {}): Map<string, ResolvedRole> {
  const roles = new Map<string, ResolvedRole>();
  for (const [name, role] of Object.entries(BUILTIN_ROLES)) {
    roles.set(name, { name, ...role, builtin: true });
  }
  for (const [name, role] of Object.entries(custom)) {
    roles.set(name, {
      name,
      description: role.description ?? '',
      primitives: role.primitives,
      readOnlyTools: role.readOnlyTools ?? false,
      env: role.env ?? [],
      egress: role.egress ?? [],
      template: role.template ?? role.primitives[0] ?? 'tools',
      builtin: false,
    });
  }
  return roles;
}
