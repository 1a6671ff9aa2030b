import { Command } from '@oclif/core/command';
import { ExitError } from '@oclif/core/errors';
import { ExitCode, isMcpxError } from '../errors.js';

/**
 * Every mcpx command: `--json` output, and the one error policy. An McpxError prints as a short
 * message plus "Try:" and exits with its code; oclif's own usage errors keep oclif's text and exit 2;
 * anything else is a bug and prints its stack.
 */
export abstract class BaseCommand extends Command {
  static override enableJsonFlag = true;

  protected override async catch(error: Error & { oclif?: { exit?: number } }): Promise<unknown> {
    if (error instanceof ExitError) throw error;
    if (isMcpxError(error)) {
      if (this.jsonEnabled()) this.logJson({ error: error.toJSON() });
      else {
        const { formatMcpxError } = await import('../ui/errors.js');
        process.stderr.write(formatMcpxError(error));
      }
      this.exit(error.exitCode);
    }
    if (error.oclif !== undefined) return super.catch(error);
    const { formatBug } = await import('../ui/errors.js');
    process.stderr.write(formatBug(error));
    this.exit(ExitCode.bug);
  }
}
