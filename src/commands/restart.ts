import * as Args from '@oclif/core/args';
import { BaseCommand } from '../cli/base-command.js';
import { dirFlag } from '../cli/flags.js';
import { type RestartResult, restartServer } from '../services/restart.js';

export default class Restart extends BaseCommand {
  static override summary = 'Restart a server of the running `mcpx dev` cluster.';
  static override description = `Asks the mcpx dev running for this workspace to stop every replica of the server (closing stdin, then SIGTERM, then SIGKILL for one that will not stop) and start it again, and waits until it has.

Use it after changing something mcpx dev does not watch (an environment file, a database), or to bring back a server whose crash loop was stopped: a crashed server waits for a file change or for mcpx restart.

Exits with 1 when a replica did not become ready again (the error says why, and the cluster keeps trying it with backoff, or waits after a crash loop), 4 when no mcpx dev runs for the workspace, and 2 when the cluster has no server of that name.`;

  static override examples = [
    { command: '<%= config.bin %> restart docs', description: 'Restart every replica of docs.' },
    {
      command: '<%= config.bin %> restart docs -C ~/work/shop',
      description: 'In another workspace.',
    },
  ];

  static override args = {
    server: Args.string({
      description: 'Name of the server, as in mcpx.json and `mcpx status`.',
      required: true,
    }),
  };

  static override flags = { dir: dirFlag };

  async run(): Promise<RestartResult> {
    const { args, flags } = await this.parse(Restart);
    const result = await restartServer(flags.dir, args.server);
    this.log(
      `Restarted ${result.server} (${result.restarted} ${result.restarted === 1 ? 'replica' : 'replicas'})`,
    );
    return result;
  }
}
