import { Command } from '@oclif/core/command';
import { ExitError } from '@oclif/core/errors';
import { ux } from '@oclif/core/ux';
import { ExitCode, McpxError, fileSystemError, isMcpxError } from '../errors.js';
import { escapeJsonText } from '../sanitize.js';
import { unknownFlagsError } from './unknown-input.js';

/**
 * Every mcpx command: `--json` output, and the one error policy. An McpxError prints as a short
 * message plus "Try:" and exits with its code; oclif's own usage errors keep oclif's text (with the
 * usage) and exit 2, or with --json become the same `{"error": ...}` as an McpxError; anything else
 * is a bug and prints its stack.
 */
export abstract class BaseCommand extends Command {
  static override enableJsonFlag = true;

  /**
   * oclif's JSON output, with the characters JSON leaves raw but a terminal may act on (C1
   * controls, bidi overrides) escaped: `--json` output quotes servers too and often lands on a
   * terminal.
   */
  override logJson(json: unknown): void {
    ux.stdout(
      escapeJsonText(ux.colorizeJson(json, { pretty: true, theme: this.config.theme?.json })),
    );
  }

  protected override async catch(error: Error & { oclif?: { exit?: number } }): Promise<unknown> {
    if (error instanceof ExitError) throw error;
    const typed = nonexistentFlags(error);
    if (typed !== undefined)
      return this.catch(unknownFlagsError(typed, this.knownFlags(), this.usedAs()));
    const invalid = isParseError(error) ? INVALID_OPTION.exec(error.message) : null;
    if (invalid !== null) {
      const [, flag = '', value = '', options = ''] = invalid;
      const first = options.split(', ')[0] ?? '';
      return this.catch(
        new McpxError(`--${flag} does not take "${value}": it is one of ${options}.`, {
          hint: `e.g. \`${this.usedAs()} --${flag} ${first}\``,
          exitCode: ExitCode.usage,
        }),
      );
    }
    if (this.jsonEnabled() && isParseError(error)) {
      const message = error.message.replace(/\nSee more help with --help$/, '');
      const hint = `\`${this.usedAs()} --help\` shows its usage`;
      return this.catch(new McpxError(message, { hint, exitCode: ExitCode.usage }));
    }
    if (isMcpxError(error) && FLAG_PARSE_WRAPPER.test(error.message)) {
      // A flag's parse function threw it; oclif put its own words around the message.
      const message = error.message.replace(FLAG_PARSE_WRAPPER, '$1');
      return this.catch(
        new McpxError(message, { hint: error.hint, exitCode: error.exitCode, cause: error.cause }),
      );
    }
    if (isMcpxError(error)) {
      if (this.jsonEnabled()) this.logJson({ error: error.toJSON() });
      else {
        const { formatMcpxError } = await import('../ui/errors.js');
        process.stderr.write(formatMcpxError(error));
      }
      this.exit(error.exitCode);
    }
    if (error.oclif !== undefined) return super.catch(error);
    const refused = fileSystemError(error);
    if (refused !== undefined) return this.catch(refused);
    const { formatBug } = await import('../ui/errors.js');
    process.stderr.write(formatBug(error, this.config.userAgent));
    this.exit(ExitCode.bug);
  }

  /** Every long flag of this command, as typed: `--dir`, `--no-watch`, `--json`. */
  private knownFlags(): string[] {
    const flags = { ...this.ctor.baseFlags, ...this.ctor.flags };
    const names = Object.entries(flags).flatMap(([name, flag]) =>
      flag.type === 'boolean' && flag.allowNo ? [`--${name}`, `--no-${name}`] : [`--${name}`],
    );
    return this.ctor.enableJsonFlag ? [...names, '--json'] : names;
  }

  /** How the user typed this command: `mcpx new server`. */
  private usedAs(): string {
    return `${this.config.bin} ${this.id?.replaceAll(':', ' ') ?? ''}`.trim();
  }
}

/** How oclif words an error thrown by a flag's parse function (`Flags.custom({parse})`). */
const FLAG_PARSE_WRAPPER = /^Parsing --[\w-]+ \n\t([\s\S]*)\nSee more help with --help$/;

/** oclif's error for a flag value not among its options (`--transport sse`). */
const INVALID_OPTION = /^Expected --([\w-]+)=([^\n]*) to be one of: ([^\n]*)/;

/** oclif's errors for input its parser refused: they carry what was parsed. */
function isParseError(error: Error): boolean {
  return (error as Error & { parse?: unknown }).parse !== undefined;
}

/**
 * The flags of oclif's "Nonexistent flag" parse error. oclif does not export that class, so it is
 * recognised by shape: a parse error that carries the flags it did not know.
 */
function nonexistentFlags(error: Error): string[] | undefined {
  const candidate = error as Error & { flags?: unknown };
  if (!isParseError(error) || !Array.isArray(candidate.flags)) return undefined;
  return candidate.flags.every((f) => typeof f === 'string')
    ? (candidate.flags as string[])
    : undefined;
}
