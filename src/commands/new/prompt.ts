import {
  NewPrimitiveCommand,
  primitiveArgs,
  primitiveFlags,
  SERVER_CHOICE,
} from '../../cli/new-primitive-command.js';

export default class NewPrompt extends NewPrimitiveCommand {
  static override summary = 'Add a prompt to a scaffolded server.';
  static override description = `Creates src/prompts/<name>.ts in the server from mcpx's prompt template and registers it in src/prompts/index.ts (and in src/server.ts when it is the server's first prompt). Refused when the server's role does not allow prompts. Nothing is overwritten, and if any write fails none is kept.

${SERVER_CHOICE}`;

  static override examples = ['<%= config.bin %> new prompt plan_trip --server planner'];

  static override args = primitiveArgs;
  static override flags = primitiveFlags;

  protected readonly kind = 'prompts';
}
