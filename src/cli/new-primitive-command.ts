import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import type { PrimitiveKind } from '../manifest/roles.js';
import { type NewPrimitiveResult, newPrimitive } from '../services/new-primitive.js';
import { BaseCommand } from './base-command.js';
import { dirFlag } from './flags.js';

export const primitiveArgs = {
  name: Args.string({
    required: true,
    description:
      'Name as clients see it: lowercase words joined by "_" or "-" (e.g. get_forecast).',
  }),
};

export const primitiveFlags = {
  server: Flags.string({
    char: 's',
    required: true,
    summary: 'The scaffolded server to add it to.',
  }),
  description: Flags.string({
    char: 'd',
    summary:
      "What it does and when to use it: what clients and models read (default: the template's, with its name).",
  }),
  dir: dirFlag,
};

/**
 * `mcpx new tool|resource|prompt`: the same command for each kind of primitive. Subclasses declare
 * `args` and `flags` themselves because oclif reads them as own properties of the command class.
 */
export abstract class NewPrimitiveCommand extends BaseCommand {
  protected abstract readonly kind: PrimitiveKind;

  async run(): Promise<NewPrimitiveResult> {
    const { args, flags } = await this.parse({
      args: primitiveArgs,
      flags: primitiveFlags,
      enableJsonFlag: true,
    });
    const result = await newPrimitive({
      dir: flags.dir,
      kind: this.kind,
      name: args.name,
      server: flags.server,
      description: flags.description,
    });
    const { formatNewPrimitive } = await import('../ui/summaries.js');
    this.log(formatNewPrimitive(result));
    return result;
  }
}
