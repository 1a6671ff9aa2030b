import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import type { PrimitiveKind } from '../manifest/roles.js';
import { McpxError } from '../errors.js';
import { singular } from '../scaffold/templates.js';
import {
  type NewPrimitiveResult,
  newPrimitive,
  primitiveServers,
} from '../services/new-primitive.js';
import { BaseCommand } from './base-command.js';
import { dirFlag, yesFlag } from './flags.js';
import { resolveInput } from './inputs.js';

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
    summary: 'The scaffolded server to add it to.',
    description:
      'Default: the server whose folder you are in, else the only server whose role allows it; otherwise mcpx asks (on a terminal, without --yes).',
  }),
  description: Flags.string({
    char: 'd',
    summary:
      "What it does and when to use it: what clients and models read (default: the template's, with its name).",
  }),
  yes: yesFlag,
  dir: dirFlag,
};

/** Said by each of the three commands' descriptions. */
export const SERVER_CHOICE = `Without --server, the server is the one whose folder you are in, else the only server whose role allows it; otherwise mcpx asks. Without a terminal, with CI set or with --yes it never asks: it fails naming --server.`;

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
    const server = flags.server ?? (await this.chooseServer(flags.dir, flags.yes));
    const result = await newPrimitive({
      dir: flags.dir,
      kind: this.kind,
      name: args.name,
      server,
      description: flags.description,
    });
    const { formatNewPrimitive } = await import('../ui/summaries.js');
    this.log(formatNewPrimitive(result));
    return result;
  }

  /** STYLE habit 8: the detected server, else (never with --yes) a prompt among the eligible. */
  private async chooseServer(dir: string, yes: boolean): Promise<string> {
    const { detected, eligible } = await primitiveServers({
      dir,
      kind: this.kind,
      cwd: process.cwd(),
    });
    const flag = `--server <${eligible.join('|')}>`;
    if (detected === undefined && yes) {
      throw new McpxError(
        `Missing --server: ${eligible.join(', ')} can each take a ${singular(this.kind)}, and --yes does not choose.`,
        { hint: `pass ${flag}` },
      );
    }
    const { askSelect } = await import('../ui/prompts.js');
    return resolveInput({
      value: undefined,
      detected,
      yes,
      flag,
      ask: () =>
        askSelect(
          `Add the ${singular(this.kind)} to which server?`,
          eligible.map((name) => ({ value: name, name })),
        ),
    });
  }
}
