import type { Config } from '@oclif/core/interfaces';
import { closest } from '../closest.js';
import { McpxError } from '../errors.js';

export interface CommandTree {
  /** The CLI's name, as users type it. */
  bin: string;
  /** Every command id, words separated by spaces ("new server"). */
  commands: readonly string[];
  /** Every topic (a word that groups commands, such as "new"). */
  topics: readonly string[];
}

/** The commands and topics of the running CLI, as users type them. */
export function commandTree(config: Config): CommandTree {
  const spaced = (name: string): string => name.replaceAll(':', ' ');
  return {
    bin: config.bin,
    commands: config.commandIDs.map(spaced),
    // oclif also lists a topic for every command; only those with commands under them count.
    topics: config.topics
      .map((topic) => spaced(topic.name))
      .filter((topic) => config.commandIDs.some((id) => spaced(id).startsWith(`${topic} `))),
  };
}

/**
 * The error for words that name no command: the nearest command if one is close ("lsit" -> "list",
 * "new servr" -> "new server"), the commands of a topic typed right with a wrong subcommand
 * ("new frob"), or else where to find the list.
 */
export function unknownCommandError(words: readonly string[], tree: CommandTree): McpxError {
  const { bin } = tree;
  const everything = `\`${bin} --help\` lists every command`;
  const first = words[0] ?? '';
  if (first.startsWith('-')) {
    const guess = closest(first, ['--help', '--version']);
    return new McpxError(`${bin} has no flag ${first} of its own; flags go after a command.`, {
      hint: `${guess === undefined ? '' : `did you mean \`${bin} ${guess}\`? `}${everything}`,
    });
  }
  // The longest run of leading words that means something, so that arguments after a mistyped
  // command ("new servr weather") do not spoil the guess.
  for (let count = words.length; count >= 1; count--) {
    const typed = words.slice(0, count).join(' ');
    // oclif reads words after a command without arguments as more of its name: `list foo`.
    if (tree.commands.includes(typed) && count < words.length) {
      const extra = words.slice(count).join(' ');
      return new McpxError(`\`${bin} ${typed}\` takes no arguments, and got "${extra}".`, {
        hint: `\`${bin} ${typed} --help\` shows its usage`,
      });
    }
    if (tree.topics.includes(typed) && count < words.length) {
      const inTopic = tree.commands
        .filter((id) => id.startsWith(`${typed} `))
        .map((id) => id.slice(typed.length + 1));
      const word = words[count] ?? '';
      const guess = closest(word, inTopic);
      return new McpxError(`"${bin} ${typed} ${word}" is not a command.`, {
        hint:
          guess === undefined
            ? `\`${bin} ${typed}\` has: ${inTopic.join(', ')}; \`${bin} ${typed} --help\` shows them`
            : `did you mean \`${bin} ${typed} ${guess}\`? \`${bin} ${typed} --help\` lists the others`,
      });
    }
    const guess = closest(typed, tree.commands);
    if (guess !== undefined) {
      return new McpxError(`"${bin} ${typed}" is not a command.`, {
        hint: `did you mean \`${bin} ${guess}\`? ${everything}`,
      });
    }
  }
  return new McpxError(`"${bin} ${first}" is not a command.`, { hint: everything });
}

/**
 * The error for flags a command does not have, with the nearest real flag for each when one is
 * close ("--follw" -> "--follow").
 */
export function unknownFlagsError(
  typed: readonly string[],
  known: readonly string[],
  command: string,
): McpxError {
  const guesses = typed.flatMap((flag) => {
    const guess = closest(flag, known);
    if (guess === undefined) return [];
    return [typed.length === 1 ? guess : `${guess} (for ${flag})`];
  });
  const list = typed.join(', ');
  const help = `\`${command} --help\` lists its flags`;
  return new McpxError(`\`${command}\` has no flag${typed.length === 1 ? '' : 's'} ${list}.`, {
    hint: guesses.length === 0 ? help : `did you mean ${guesses.join(', ')}? ${help}`,
  });
}
