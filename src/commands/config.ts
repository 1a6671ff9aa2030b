import { join } from 'node:path';
import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { BaseCommand } from '../cli/base-command.js';
import { dirFlag } from '../cli/flags.js';
import { CLIENT_IDS } from '../clients/table.js';
import { McpxError } from '../errors.js';
import {
  type ClientFiles,
  type ConfigResult,
  clientConfig,
  listClientFiles,
} from '../services/config.js';

export default class Config extends BaseCommand {
  static override summary = "Add the cluster to an MCP client's configuration.";
  static override description = `Prints (or with --write, upserts) the entry that makes an MCP client use this workspace's cluster: ${CLIENT_IDS.join(', ')}.

--via gateway (the default) is one entry pointing at the gateway's fixed URL (gateway.host and gateway.port of mcpx.json, default http://127.0.0.1:7330/mcp), with the token as a reference to the MCPX_GATEWAY_TOKEN environment variable in the client's own syntax, never the token itself. Claude Desktop, which cannot reach an HTTP server from its file, gets a stdio entry that runs \`mcpx connect\` with absolute paths. --via direct is one entry per server, started or reached by the client itself, without mcpx dev's reload, restarts and aggregation.

--write upserts the entry by name: every other entry, comment and the file's layout stay; the previous content goes to <file>.bak first; the file is replaced atomically; a second run changes nothing. A file that is not valid JSON (or TOML for Codex) is never touched: the error names its line and column.

While mcpx dev runs, every tool name is checked against the client's rules with its own prefix (Claude Code: mcp__<name>__, at most 64 characters in all); --write refuses when one does not fit. With no cluster running, tools cannot be listed: it says so.

Exits with 2 for an unknown client, a scope the client lacks, a malformed client file or a tool name that does not fit.`;

  static override examples = [
    {
      command: '<%= config.bin %> config claude-code',
      description: "Print the entry for the project's .mcp.json.",
    },
    {
      command: '<%= config.bin %> config claude-desktop --write',
      description: "Add the cluster to Claude Desktop's file (through mcpx connect).",
    },
    {
      command: '<%= config.bin %> config codex --scope user --write',
      description: 'Add it to ~/.codex/config.toml.',
    },
    { command: '<%= config.bin %> config --list', description: 'Clients and their files here.' },
  ];

  static override args = {
    client: Args.string({ description: `The client: ${CLIENT_IDS.join(', ')}.` }),
  };

  static override flags = {
    dir: dirFlag,
    via: Flags.option({
      options: ['gateway', 'direct'] as const,
      default: 'gateway' as const,
      summary: 'One entry for the gateway, or one per server.',
    })(),
    scope: Flags.option({
      options: ['project', 'user'] as const,
      summary: "Which of the client's files (default: project when it has one).",
    })(),
    write: Flags.boolean({ summary: 'Upsert the entry into the file instead of printing only.' }),
    name: Flags.string({ default: 'mcpx', summary: 'The entry name (--via gateway).' }),
    list: Flags.boolean({
      summary: 'List the clients, their files here, and whether each exists.',
    }),
  };

  async run(): Promise<ConfigResult | ClientFiles[]> {
    const { args, flags } = await this.parse(Config);
    if (flags.list) {
      const clients = await listClientFiles(flags.dir);
      if (!this.jsonEnabled()) {
        const { formatClientList } = await import('../ui/client-config.js');
        this.log(formatClientList(clients));
      }
      return clients;
    }
    if (args.client === undefined) {
      throw new McpxError('Name the client to configure.', {
        hint: `\`mcpx config <client>\` with one of ${CLIENT_IDS.join(', ')}; \`mcpx config --list\` shows their files`,
      });
    }
    const result = await clientConfig({
      dir: flags.dir,
      client: args.client,
      via: flags.via,
      scope: flags.scope,
      write: flags.write,
      name: flags.name,
      mcpx: { node: process.execPath, bin: join(this.config.root, 'bin', 'run.js') },
    });
    if (!this.jsonEnabled()) {
      const { clientConfigMessages, formatClientConfig } = await import('../ui/client-config.js');
      this.log(formatClientConfig(result));
      for (const line of clientConfigMessages(result)) this.logToStderr(line);
    }
    return result;
  }
}
