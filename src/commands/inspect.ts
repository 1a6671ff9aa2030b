import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { BaseCommand } from '../cli/base-command.js';
import { dirFlag } from '../cli/flags.js';
import { McpxError } from '../errors.js';
import { sanitizeText } from '../sanitize.js';
import { type InspectResult, inspect } from '../services/inspect.js';

export default class Inspect extends BaseCommand {
  static override summary = 'Open the MCP Inspector on the running cluster, or on one server.';
  static override description = `Starts the MCP Inspector's web UI (npx -y @modelcontextprotocol/inspector@2, not bundled) pointed at the gateway of the mcpx dev running for this workspace, with its token, and prints the Inspector's deep link (autoConnect with its per-launch token). With a server name: that server's own endpoint /servers/<name>/mcp (names unprefixed; live reload keeps working under the Inspector). Ctrl-C stops the Inspector.

With no mcpx dev running it inspects the server directly: a stdio server is started by the Inspector with the manifest's command, arguments, cwd and env; a url server is reached at its url. Servers that mcpx starts over HTTP need mcpx dev.

--cli passes everything after -- to the Inspector's CLI mode against the same target (the token header added) and exits with its exit code, e.g. 5 for a tool result with isError.

The Inspector needs Node >= 22.19: it runs on the Node that runs mcpx. MCPX_INSPECTOR_BIN=<path of the mcp-inspector bin of an installed @modelcontextprotocol/inspector 2.x> runs that copy instead of npx: for machines without registry access, and for mcpx's own tests, which install a pinned Inspector once and do not download it again.

Exits with 2 for a Node too old, no npx or an unknown server, and 4 when the Inspector cannot be downloaded (offline) or no mcpx dev runs and no single server can be inspected instead.`;

  static override examples = [
    {
      command: '<%= config.bin %> inspect',
      description: 'The web UI on the whole cluster (the gateway /mcp).',
    },
    {
      command: '<%= config.bin %> inspect docs',
      description: 'The web UI on one server, through the gateway.',
    },
    {
      command: '<%= config.bin %> inspect --cli -- --method tools/list',
      description: "The Inspector's CLI: the cluster's tools as JSON.",
    },
    {
      command:
        '<%= config.bin %> inspect --cli -- --method tools/call --tool-name text-kit__count_words --tool-arg text=hello',
      description: 'Call a tool with the Inspector CLI.',
    },
  ];

  static override usage = 'inspect [server] [--cli -- <inspector args>] [-C <dir>]';

  static override args = {
    server: Args.string({ description: 'One server of the cluster; none for the whole cluster.' }),
  };

  static override flags = {
    dir: dirFlag,
    cli: Flags.boolean({
      summary: "The Inspector's CLI mode, with the arguments after --.",
      default: false,
    }),
  };

  // The Inspector's own output is the interface: it has its own --format json.
  static override enableJsonFlag = false;

  async run(): Promise<InspectResult> {
    // Everything after `--` is the Inspector's, not an mcpx argument or flag.
    const split = this.argv.indexOf('--');
    const own = split === -1 ? this.argv : this.argv.slice(0, split);
    const passed = split === -1 ? [] : this.argv.slice(split + 1);
    const { args, flags } = await this.parse(Inspect, own);
    if (!flags.cli && passed.length > 0)
      throw new McpxError(
        `Arguments after -- (${passed.join(' ')}) are for the Inspector's CLI mode.`,
        {
          hint: `add --cli: \`mcpx inspect --cli -- ${passed.join(' ')}\``,
        },
      );
    const stopping = new AbortController();
    const stop = (): void => stopping.abort();
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
    for (const signal of signals) process.on(signal, stop);
    try {
      const result = await inspect({
        dir: flags.dir,
        server: args.server,
        cli: flags.cli ? passed : undefined,
        // What the Inspector prints quotes the servers: shown, never obeyed by a terminal.
        out: (line) => process.stdout.write(`${sanitizeText(line)}\n`),
        err: (line) => process.stderr.write(`${sanitizeText(line)}\n`),
        signal: stopping.signal,
      });
      if (result.exitCode !== 0) process.exitCode = result.exitCode;
      return result;
    } finally {
      for (const signal of signals) process.off(signal, stop);
    }
  }
}
