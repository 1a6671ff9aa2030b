import { BaseCommand } from '../cli/base-command.js';
import { dirFlag } from '../cli/flags.js';
import { type ListResult, listServers } from '../services/list.js';

export default class List extends BaseCommand {
  static override summary = 'List the servers of the workspace.';
  static override description =
    'Reads and validates mcpx.json and prints each server with its role, transport and how mcpx starts or reaches it.';

  static override examples = ['<%= config.bin %> list', '<%= config.bin %> list --json'];

  static override flags = { dir: dirFlag };

  async run(): Promise<ListResult> {
    const { flags } = await this.parse(List);
    const result = await listServers(flags.dir);
    const { formatServerTable } = await import('../ui/tables.js');
    this.log(formatServerTable(result));
    return result;
  }
}
