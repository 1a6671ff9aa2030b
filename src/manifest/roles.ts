import { z } from 'zod';

/** The MCP primitives a server can expose; a role allows some of them. */
export const PRIMITIVE_KINDS = ['tools', 'resources', 'prompts'] as const;
export type PrimitiveKind = (typeof PRIMITIVE_KINDS)[number];

/** Environment variable names as POSIX shells accept them. */
const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name such as API_TOKEN');

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
    template: 'tools',
  },
  resources: {
    description:
      'Data retrieval: resources and resource templates; any tools it has must be read-only.',
    primitives: ['resources', 'tools'],
    readOnlyTools: true,
    env: [],
    template: 'resources',
  },
  prompts: {
    description: 'Reasoning and prompt templates: prompts only.',
    primitives: ['prompts'],
    readOnlyTools: false,
    env: [],
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
      template: role.template ?? role.primitives[0] ?? 'tools',
      builtin: false,
    });
  }
  return roles;
}
