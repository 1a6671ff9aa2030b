import * as Flags from '@oclif/core/flags';

/** `--dir`: the workspace folder (or any folder inside it). */
export const dirFlag = Flags.directory({
  char: 'C',
  summary: 'Workspace folder, or any folder inside it.',
  description: 'mcpx looks for mcpx.json there and in the folders above it.',
  default: '.',
});

export const yesFlag = Flags.boolean({
  char: 'y',
  summary: 'Use defaults instead of asking.',
  default: false,
});

/** `--server a,b`: only these servers of the manifest. */
export const serverFlag = Flags.string({
  char: 's',
  summary: 'Only these servers (comma-separated names).',
  delimiter: ',',
  multiple: true,
});
