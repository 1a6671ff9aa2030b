import * as Args from '@oclif/core/args';
import { loadHelpClass } from '@oclif/core/help';
import { BaseCommand } from '../cli/base-command.js';
import { commandTree, unknownCommandError } from '../cli/unknown-input.js';

/** `mcpx help [COMMAND...]`: the text of `--help`, for people who ask the git way. */
export default class Help extends BaseCommand {
  static override summary = 'Show help for mcpx, or for one of its commands or topics.';
  static override description =
    'The same text as --help: `mcpx help new server` is `mcpx new server --help`.';

  static override examples = ['<%= config.bin %> help', '<%= config.bin %> help new server'];

  static override enableJsonFlag = false;
  static override strict = false;
  static override args = {
    command: Args.string({ description: 'A command or topic, e.g. dev or new server.' }),
  };

  async run(): Promise<void> {
    const { argv } = await this.parse(Help);
    const words = argv.map(String);
    const id = words.join(':');
    if (words.length > 0 && !this.config.findCommand(id) && !this.config.findTopic(id)) {
      throw unknownCommandError(words, commandTree(this.config));
    }
    // The help class --help uses: oclif's, or one package.json names (oclif.helpClass).
    const HelpClass = await loadHelpClass(this.config);
    await new HelpClass(this.config, this.config.pjson.oclif.helpOptions).showHelp(words);
  }
}
