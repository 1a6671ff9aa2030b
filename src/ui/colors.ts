import { Chalk, supportsColorStderr, supportsColor } from 'chalk';

/**
 * Colour for each stream, decided by that stream: chalk honours NO_COLOR, FORCE_COLOR and whether
 * the stream is a TTY, so piped output carries no ANSI codes.
 */
export const out = new Chalk({ level: supportsColor === false ? 0 : supportsColor.level });
export const err = new Chalk({
  level: supportsColorStderr === false ? 0 : supportsColorStderr.level,
});
