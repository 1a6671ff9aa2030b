import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { BaseCommand } from '../cli/base-command.js';
import { dirFlag } from '../cli/flags.js';
import { ExitCode } from '../errors.js';
import { toolArguments } from '../gateway/tool-args.js';
import { callTool } from '../services/call.js';

export default class Call extends BaseCommand {
  static override summary = 'Call a tool of the running cluster, through its gateway.';
  static override description = `Calls a tool through the gateway of the mcpx dev running for this workspace, as an MCP client would, and prints its result: each text block as it is, other content as one line naming it, and structuredContent as JSON (unless a text block already holds that JSON).

Arguments: --args with a JSON object, and/or key=value pairs added on top of it. A value is JSON when it parses as JSON (n=3 is a number, ok=true a boolean, tags='["a","b"]' an array), else the string as typed (city=Paris); to pass a string that looks like JSON, quote it as JSON: n='"3"'.

--json prints the whole tools/call result.

Exits with 0 for a result, 1 for a result with isError (printed to stderr), 2 for bad arguments or a tool the gateway does not have (with the closest names), and 4 when no mcpx dev runs for the workspace.`;

  static override examples = [
    {
      command: '<%= config.bin %> call text-kit__count_words text="one two three"',
      description: 'A tool with one string argument.',
    },
    {
      command: `<%= config.bin %> call weather__forecast --args '{"city":"Paris","days":3}'`,
      description: 'Arguments as one JSON object.',
    },
    {
      command: '<%= config.bin %> call weather__forecast city=Paris days=3 --json',
      description: 'The whole result as JSON.',
    },
  ];

  static override usage =
    'call <server>__<tool> [key=value...] [--args <json>] [--json] [-C <dir>]';

  // The key=value pairs after the tool's name.
  static override strict = false;

  static override args = {
    tool: Args.string({
      description: 'The tool as `mcpx tools` lists it: <server>__<tool>.',
      required: true,
    }),
  };

  static override flags = {
    dir: dirFlag,
    args: Flags.string({
      summary: "The tool's arguments as a JSON object.",
      helpValue: '<json>',
    }),
  };

  async run(): Promise<CallToolResult> {
    const { args, flags, argv } = await this.parse(Call);
    const pairs = (argv as string[]).slice(1);
    const result = await callTool({
      dir: flags.dir,
      tool: args.tool,
      arguments: toolArguments(args.tool, flags.args, pairs),
    });
    if (result.isError === true) process.exitCode = ExitCode.checkFailed;
    if (!this.jsonEnabled()) {
      const { formatCallResult } = await import('../ui/call-result.js');
      const text = formatCallResult(result);
      if (result.isError === true) process.stderr.write(`${text}\n`);
      else this.log(text);
    }
    return result;
  }
}
