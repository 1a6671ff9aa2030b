import { NOTHING_LISTED, type SmokeCheck } from '../check.js';

/** Only the primitives the server's role allows; read-only tools where the role demands them. */
export const role: SmokeCheck = {
  name: 'role',
  async run({ input, listed }) {
    if (listed === undefined) return NOTHING_LISTED;
    const { role } = input.server;
    if (role === undefined)
      return { status: 'skip', message: 'no "role" in mcpx.json for this server' };
    const problems: string[] = [];
    const exposed = {
      tools: listed.tools.map((t) => t.name),
      resources: [
        ...listed.resources.map((r) => r.uri),
        ...listed.resourceTemplates.map((t) => t.uriTemplate),
      ],
      prompts: listed.prompts.map((p) => p.name),
    };
    for (const kind of ['tools', 'resources', 'prompts'] as const) {
      if (exposed[kind].length > 0 && !role.primitives.includes(kind)) {
        problems.push(
          `exposes ${kind} (${exposed[kind].slice(0, 5).join(', ')}), which role "${role.name}" does not allow`,
        );
      }
    }
    if (role.readOnlyTools) {
      const writable = listed.tools
        .filter((t) => t.annotations?.readOnlyHint !== true)
        .map((t) => t.name);
      if (writable.length > 0) {
        problems.push(
          `role "${role.name}" needs read-only tools; not annotated readOnlyHint: true: ${writable.join(', ')}`,
        );
      }
    }
    return problems.length === 0
      ? {
          status: 'pass',
          message: `exposes only what role "${role.name}" allows (${role.primitives.join(', ')})`,
        }
      : { status: 'fail', message: problems[0] ?? '', details: problems.slice(1) };
  },
};
