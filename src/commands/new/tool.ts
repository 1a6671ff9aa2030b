import {
  NewPrimitiveCommand,
  primitiveArgs,
  primitiveFlags,
  SERVER_CHOICE,
} from '../../cli/new-primitive-command.js';

export default class NewTool extends NewPrimitiveCommand {
  static override summary = 'Add a tool to a scaffolded server.';
  static override description = `Creates src/tools/<name>.ts in the server from mcpx's tool template and registers it in src/tools/index.ts (and in src/server.ts when it is the server's first tool). Refused when the server's role does not allow tools. Nothing is overwritten, and if any write fails none is kept.

${SERVER_CHOICE}`;

  static override examples = ['<%= config.bin %> new tool get_forecast --server weather'];

  static override args = primitiveArgs;
  static override flags = primitiveFlags;

  protected readonly kind = 'tools';
}
