import type { SmokeCheck } from '../check.js';

/** A stdio server wrote nothing but JSON-RPC to stdout: run late, so it covers the whole session. */
export const cleanStdout: SmokeCheck = {
  name: 'clean stdout',
  async run({ instance }) {
    if (instance.spec.transport !== 'stdio')
      return { status: 'skip', message: 'not a stdio server' };
    const lines = instance.stdoutPollution;
    return lines.length === 0
      ? { status: 'pass', message: 'nothing but JSON-RPC on stdout' }
      : {
          status: 'fail',
          message: `${lines.length}${lines.length === 100 ? '+' : ''} non-JSON-RPC line(s) on stdout; log to stderr instead`,
          details: lines.slice(0, 5).map((line) => JSON.stringify(line.slice(0, 200))),
        };
  },
};
