import { Args, Flags } from '@oclif/core';
import type { PrimitiveKind } from '../manifest/roles.js';
import { type NewPrimitiveResult, newPrimitive } from '../services/new-primitive.js';
import { BaseCommand } from './base-command.js';
import { dirFlag } from './flags.js';

/** `mcpx new tool|resource|prompt`: the same command for each kind of primitive. */
export abstract class NewPrimitiveCommand extends BaseCommand {
  static override args = {
    name: Args.string({
      required: true,
      description: 'Name as clients see it: lowercase words joined by "_" or "-" (e.g. get_forecast).',
    }),
  };

  static override flags = {
    server: Flags.string({ char: 's', required: true, summary: 'The scaffolded server to add it to.' }),
    dir: dirFlag,
  };

  protected abstract readonly kind: PrimitiveKind;

  async run(): Promise<NewPrimitiveResult> {
    const { args, flags } = await this.parse(this.constructor as typeof NewPrimitiveCommand);
    const result = await newPrimitive({
      dir: flags.dir,
      kind: this.kind,
      name: args.name,
      server: flags.server,
    });
    const { formatNewPrimitive } = await import('../ui/summaries.js');
    this.log(formatNewPrimitive(result));
    return result;
  }
}
