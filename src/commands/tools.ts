import { BaseCommand } from '../cli/base-command.js';
import { dirFlag, serverFlag } from '../cli/flags.js';
import { type ToolsResult, gatewayTools } from '../services/tools.js';

export default class Tools extends BaseCommand {
  static override summary = 'List the tools of the running cluster, through its gateway.';
  static override description = `Asks the gateway of the mcpx dev running for this workspace for its tools and prints them grouped by server, one line each: the name as \`mcpx call\` takes it (<server>__<tool>) and the first line of its description. Servers that are not ready are left out, as MCP clients see it.

--json prints the gateway's tools/list result, input schemas included.

Exits with 4 when no mcpx dev runs for the workspace (or it runs with --no-gateway), and 2 for a --server the cluster does not have.`;

  static override examples = [
    { command: '<%= config.bin %> tools', description: 'Every tool of the cluster.' },
    { command: '<%= config.bin %> tools --server docs', description: 'The tools of one server.' },
    {
      command: "<%= config.bin %> tools --json | jq '.tools[] | {name, inputSchema}'",
      description: 'Names and input schemas, for a script.',
    },
  ];

  static override flags = { dir: dirFlag, server: serverFlag };

  async run(): Promise<ToolsResult> {
    const { flags } = await this.parse(Tools);
    const result = await gatewayTools({ dir: flags.dir, servers: flags.server ?? [] });
    if (!this.jsonEnabled()) {
      const { formatToolList } = await import('../ui/tool-list.js');
      this.log(
        formatToolList(result.tools, process.stdout.isTTY ? process.stdout.columns : undefined),
      );
    }
    return result;
  }
}
