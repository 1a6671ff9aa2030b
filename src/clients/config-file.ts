import { copyFile, mkdir, readFile, realpath } from 'node:fs/promises';
import { dirname } from 'node:path';
import { McpxError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { jsonEntries, upsertJsonEntry } from './json-config.js';
import type { ClientSpec, Entry } from './table.js';
import { tomlEntries, upsertTomlEntry } from './toml-config.js';

/** What `--write` did to a client's file. */
export interface WriteOutcome {
  /** The file written: a symbolic link's target, so dotfile managers keep their link. */
  file: string;
  /** False when the file already held these entries: nothing was touched, not even the backup. */
  changed: boolean;
  /** Where the previous content went (`<file>.bak`), when there was a file to keep. */
  backup?: string | undefined;
}

/** The text of `file`, undefined when there is none. */
export async function readConfigText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** `text` with each entry upserted by name, in the client's format. */
export function upsertEntries(
  text: string,
  file: string,
  client: ClientSpec,
  entries: Readonly<Record<string, Entry>>,
): string {
  const upsert = client.format === 'toml' ? upsertTomlEntry : upsertJsonEntry;
  let next = text;
  for (const [name, entry] of Object.entries(entries))
    next = upsert(next, file, client, name, entry);
  return next;
}

/** The entries of a client's file as the client reads them (for tests and checks). */
export function readEntries(
  text: string,
  file: string,
  client: ClientSpec,
): Record<string, unknown> {
  return client.format === 'toml'
    ? tomlEntries(text, file, client)
    : jsonEntries(text, file, client);
}

/**
 * Upserts `entries` into the client's file: a `.bak` of the old content first, then the new
 * content by an atomic rename, so the client never reads half a file. A file that already holds
 * them is left alone (a second run changes nothing). A file the client rewrites meanwhile (Claude
 * Code keeps its state in ~/.claude.json) is read again, so its change is not lost.
 */
export async function writeEntries(
  path: string,
  client: ClientSpec,
  entries: Readonly<Record<string, Entry>>,
): Promise<WriteOutcome> {
  const file = await realpath(path).catch(() => path);
  for (let attempt = 0; attempt < 3; attempt++) {
    const text = await readConfigText(file);
    const next = upsertEntries(text ?? '', file, client, entries);
    if (next === text) return { file, changed: false };
    await mkdir(dirname(file), { recursive: true });
    if ((await readConfigText(file)) !== text) continue;
    let backup: string | undefined;
    if (text !== undefined) {
      backup = `${file}.bak`;
      // copyFile keeps the mode: a user file readable by its owner only stays so in its backup.
      await copyFile(file, backup);
    }
    await writeFileAtomic(file, next);
    return { file, changed: true, backup };
  }
  throw new McpxError(`${file} kept changing while mcpx was writing it; mcpx left it as it was.`, {
    hint: `close ${client.title} (it rewrites that file), then run the command again`,
  });
}
