import { BaseCommand } from '../cli/base-command.js';
import { dirFlag } from '../cli/flags.js';
import { type StatusReport, clusterStatus } from '../services/status.js';

export default class Status extends BaseCommand {
  static override summary = 'Show the gateway and every replica of the running `mcpx dev` cluster.';
  static override description = `Asks the mcpx dev running for this workspace (in another terminal) how its servers are doing, over a socket only your user can reach, and prints its gateway (URL, client sessions, what it lists) and one row per replica:

  SERVER             name, or name#i for each of several replicas (0-based)
  STATE              ready, starting, backoff, unhealthy, crashed or stopped
  PID, PORT          the current process, and the port of an HTTP server
  UPTIME             time since the current instance became ready
  RESTARTS           starts after the first (crashes, health, mcpx restart)
  TOOLS/RES/PROMPTS  what it lists; 2+1 is 2 resources and 1 template
  CALLS              gateway calls to it: in flight now / served (- without a gateway)
  LAST RELOAD        whether the last reload served the new code, and when
  LAST ERROR         why it last stopped or failed, cut to fit the terminal

--json prints the snapshot mcpx dev reported, with full ISO times and the whole last error, and the gateway's token (gateway.token) when it requires one.

Exits with 4 when no mcpx dev runs for the workspace.`;

  static override examples = [
    { command: '<%= config.bin %> status', description: 'The cluster of the current workspace.' },
    {
      command:
        '<%= config.bin %> status --json | jq -r \'.replicas[] | select(.state != "ready") | .server\'',
      description: 'Servers that are not ready, for a script.',
    },
    {
      command: '<%= config.bin %> status -C ~/work/shop',
      description: 'The cluster of another workspace.',
    },
  ];

  static override flags = { dir: dirFlag };

  async run(): Promise<StatusReport> {
    const { flags } = await this.parse(Status);
    const snapshot = await clusterStatus(flags.dir, { token: this.jsonEnabled() });
    if (!this.jsonEnabled()) {
      const { formatStatus } = await import('../ui/status-table.js');
      this.log(formatStatus(snapshot));
    }
    return snapshot;
  }
}
