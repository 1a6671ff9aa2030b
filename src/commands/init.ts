import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { BaseCommand } from '../cli/base-command.js';
import { yesFlag } from '../cli/flags.js';
import { type InitResult, initWorkspace } from '../services/init.js';

export default class Init extends BaseCommand {
  static override summary = 'Create a workspace for several MCP servers.';
  static override description = `Writes mcpx.json (the manifest of every server, in the mcpServers shape MCP clients read), a root package.json with npm workspaces for servers/*, a shared tsconfig.base.json, a .gitignore that keeps .mcpx/ out of git, and a README.

The folder must be empty (a .git folder is fine) unless --force; even then mcpx never overwrites a file.`;

  static override examples = [
    { command: '<%= config.bin %> init my-servers', description: 'Create ./my-servers.' },
    {
      command: '<%= config.bin %> init . --force',
      description: 'Add a workspace to the current folder, beside its files.',
    },
  ];

  static override args = {
    dir: Args.directory({
      description: 'Folder of the new workspace (created if missing).',
      default: '.',
    }),
  };

  static override flags = {
    force: Flags.boolean({
      summary: 'Allow a folder that already has files (never overwrites one).',
      default: false,
    }),
    name: Flags.string({
      summary: 'npm package name of the workspace (default: from the folder name).',
    }),
    yes: yesFlag,
  };

  async run(): Promise<InitResult> {
    const { args, flags } = await this.parse(Init);
    const result = await initWorkspace({ dir: args.dir, force: flags.force, name: flags.name });
    this.log(`Created workspace ${result.name} in ${result.dir}`);
    for (const file of result.files) this.log(`  ${file}`);
    this.log('\nNext:');
    this.log(`  cd ${args.dir}`);
    this.log('  mcpx new server <name> --role tools|resources|prompts --transport stdio|http');
    return result;
  }
}
