import { BaseCommand } from '../cli/base-command.js';
import { dirFlag, serverFlag } from '../cli/flags.js';
import { sanitizeText } from '../sanitize.js';
import { connectBridge } from '../services/connect.js';

export default class Connect extends BaseCommand {
  static override summary =
    'Serve the running cluster over stdio, for MCP clients that launch commands.';
  static override description = `A stdio MCP server that passes every message to the gateway of the mcpx dev running for the workspace (with the token of .mcpx/gateway-token), for clients that can only start a command, such as Claude Desktop. Stdout carries the protocol; its own messages go to stderr.

It keeps the client's session across restarts of mcpx dev: when the gateway goes away it reconnects (retrying every 2 s at most), opens a new session upstream and sends list_changed for tools, prompts and resources. Requests sent meanwhile wait up to 30 s for the gateway, then get an error saying how to start it; requests in flight when it went away get an error at once.

With no mcpx dev running it still answers initialize, lists nothing, says in its instructions and on stderr how to start the cluster, and connects as soon as the gateway appears.

Clients start it with a small environment and a working folder of their own: give --dir as an absolute path. It exits when the client closes stdin.`;

  static override examples = [
    {
      command: '<%= config.bin %> connect --dir /home/me/shop',
      description:
        'What a client configuration runs (command: mcpx, or node with the absolute path of bin/run.js).',
    },
    {
      command: '<%= config.bin %> connect --dir /home/me/shop --server docs,search',
      description: 'Only the tools, resources and prompts of two servers.',
    },
  ];

  // stdout is the MCP protocol: nothing else may be printed there.
  static override enableJsonFlag = false;

  static override flags = { dir: dirFlag, server: serverFlag };

  async run(): Promise<void> {
    const { flags } = await this.parse(Connect);
    await connectBridge({
      dir: flags.dir,
      servers: flags.server ?? [],
      version: this.config.version,
      // Lines quote what the gateway said: shown, never obeyed by a terminal.
      log: (line) => process.stderr.write(`${sanitizeText(line)}\n`),
    });
  }
}
