import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { BaseCommand } from '../cli/base-command.js';
import { RUNTIME_DIR } from '../scaffold/runtime.js';
import { type InitResult, initWorkspace } from '../services/init.js';

export default class Init extends BaseCommand {
  static override summary = 'Create a workspace for several MCP servers.';
  static override description = `Writes mcpx.json (the manifest of every server, in the mcpServers shape MCP clients read), a root package.json with npm workspaces for servers/*, a shared tsconfig.base.json, a .gitignore that keeps .mcpx/ out of git, a README, and packages/mcp-runtime: the runtime (stdout guard, logger, lifecycle, HTTP host) that every server of the workspace depends on.

mcpx init asks nothing, so it has no --yes.

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
    'github-k8s': Flags.boolean({
      summary: 'Also write .github/workflows/mcpx-k8s.yml: deploy to a kind cluster in CI.',
      description:
        'The workflow builds the images (mcpx build), renders the base (mcpx k8s render), applies it to a kind cluster, waits for every Deployment and lists the tools through the gateway.',
      default: false,
    }),
    'mcpx-spec': Flags.string({
      summary:
        'npm spec recorded for mcpx as a devDependency (default: the one this mcpx was installed from).',
      description:
        'e.g. a git URL (github:owner/mcpx#v0.1.0), a tarball URL, or a version once mcpx is on the registry. CI installs mcpx from it with `npm ci`.',
    }),
  };

  async run(): Promise<InitResult> {
    const { args, flags } = await this.parse(Init);
    const result = await initWorkspace({
      dir: args.dir,
      force: flags.force,
      name: flags.name,
      mcpxSpec: flags['mcpx-spec'],
      githubK8s: flags['github-k8s'],
    });
    this.log(`Created workspace ${result.name} in ${result.dir}`);
    // The runtime package is one thing to the reader, not a dozen files.
    const runtime = result.files.filter((file) => file.startsWith(`${RUNTIME_DIR}/`));
    for (const file of result.files) {
      if (file === runtime[0]) this.log(`  ${RUNTIME_DIR}/ (${runtime.length} files)`);
      else if (!runtime.includes(file)) this.log(`  ${file}`);
    }
    this.log(`mcpx is a devDependency: "mcpx": "${result.mcpx.spec}"`);
    if (result.mcpx.local) {
      this.logToStderr(
        `\nNote: that is a path on this machine, so \`npm ci\` elsewhere (the CI workflow) cannot install mcpx from it.\n` +
          `mcpx is not on the npm registry yet: set "mcpx" in package.json to a spec CI can reach, e.g. a git URL\n` +
          `(github:<owner>/mcpx) or a tarball URL, or run init with --mcpx-spec <spec>.`,
      );
    }
    this.log('\nNext:');
    this.log(`  cd ${args.dir}`);
    this.log('  mcpx new server <name> --role tools|resources|prompts --transport stdio|http');
    return result;
  }
}
