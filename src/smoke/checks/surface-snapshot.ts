import { changeLine, diffSurfaces } from '../../server/surface.js';
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
            : `not in ${input.snapshotFile}; run \`mcpx smoke --update --server ${input.server.name}\``,
      };
    }
    const changes = diffSurfaces(input.snapshot, surface);
    const breaking = changes.filter((c) => c.kind === 'breaking').map(changeLine);
    const additions = changes.filter((c) => c.kind === 'additive').map(changeLine);
    if (breaking.length > 0) {
      return {
        status: 'fail',
        message: `${breaking.length} breaking change${breaking.length === 1 ? '' : 's'} against the snapshot (if intended, run \`mcpx smoke --update\`)`,
        details: [...breaking.map((line) => `- ${line}`), ...additions.map((line) => `+ ${line}`)],
      };
    }
    return {
      status: 'pass',
      message:
        additions.length === 0
          ? 'matches the snapshot'
          : `compatible; ${additions.length} addition${additions.length === 1 ? '' : 's'}`,
      ...(additions.length === 0 ? {} : { details: additions.map((line) => `+ ${line}`) }),
    };
  },
};
