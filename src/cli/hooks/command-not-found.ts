import type { Hook } from '@oclif/core/hooks';
import { commandTree, unknownCommandError } from '../unknown-input.js';

/**
 * oclif runs this when no command matches what was typed. mcpx answers as it does for every other
 * bad input: an McpxError with a "Try:" line (a close command, or where to find them), exit 2.
 */
const commandNotFound: Hook.CommandNotFound = async function ({ id, argv, config }) {
  const error = unknownCommandError(id.split(':'), commandTree(config));
  if (argv?.includes('--json')) {
    process.stdout.write(`${JSON.stringify({ error: error.toJSON() }, null, 2)}\n`);
  } else {
    const { formatMcpxError } = await import('../../ui/errors.js');
    process.stderr.write(formatMcpxError(error));
  }
  this.exit(error.exitCode);
};

export default commandNotFound;
