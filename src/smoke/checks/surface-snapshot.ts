import { diffSnapshots } from '../surface.js';
import { NOTHING_LISTED, type SmokeCheck } from '../check.js';

/** No breaking change against the committed snapshot; additions are reported and pass. */
export const surfaceSnapshot: SmokeCheck = {
  name: 'surface snapshot',
  async run({ input, surface }) {
    if (surface === undefined) return NOTHING_LISTED;
    if (input.update) return { status: 'pass', message: 'snapshot updated' };
    if (input.snapshot === undefined) {
      return {
        status: 'skip',
        message:
          input.snapshotFile === undefined
            ? 'no snapshot yet; run `mcpx smoke --update` and commit the file'
            : `not in ${input.snapshotFile}; run \`mcpx smoke --update --server ${input.name}\``,
      };
    }
    const diff = diffSnapshots(input.snapshot, surface);
    if (diff.breaking.length > 0) {
      return {
        status: 'fail',
        message: `${diff.breaking.length} breaking change${diff.breaking.length === 1 ? '' : 's'} against the snapshot (if intended, run \`mcpx smoke --update\`)`,
        details: [
          ...diff.breaking.map((line) => `- ${line}`),
          ...diff.additions.map((line) => `+ ${line}`),
        ],
      };
    }
    return {
      status: 'pass',
      message:
        diff.additions.length === 0
          ? 'matches the snapshot'
          : `compatible; ${diff.additions.length} addition${diff.additions.length === 1 ? '' : 's'}`,
      ...(diff.additions.length === 0
        ? {}
        : { details: diff.additions.map((line) => `+ ${line}`) }),
    };
  },
};
