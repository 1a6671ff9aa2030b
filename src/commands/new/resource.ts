import {
  NewPrimitiveCommand,
  primitiveArgs,
  primitiveFlags,
  SERVER_CHOICE,
} from '../../cli/new-primitive-command.js';

export default class NewResource extends NewPrimitiveCommand {
  static override summary = 'Add a resource to a scaffolded server.';
  static override description = `Creates src/resources/<name>.ts in the server from mcpx's resource template and registers it in src/resources/index.ts (and in src/server.ts when it is the server's first resource). Refused when the server's role does not allow resources. Nothing is overwritten, and if any write fails none is kept.

${SERVER_CHOICE}`;

  static override examples = ['<%= config.bin %> new resource forecast-data --server docs'];

  static override args = primitiveArgs;
  static override flags = primitiveFlags;

  protected readonly kind = 'resources';
}
