/**
 * examples/ is what `mcpx init` + `mcpx new server` produce: regenerate it with the built CLI into a
 * temp folder and compare every file, so the committed example cannot drift from the templates.
 */
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { snapshotTree } from '../helpers/tree.js';
// @ts-expect-error: a plain JavaScript build script without types
import { writeExamples } from '../../scripts/examples.js';

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
let base: string | undefined;

afterAll(async () => {
  if (base !== undefined) await rm(base, { recursive: true, force: true });
});

it('examples/ matches a fresh `mcpx init` + `mcpx new server` run', async () => {
  base = await mkdtemp(join(tmpdir(), 'mcpx-examples-'));
  const fresh = join(base, 'examples');
  // The servers resolve the SDK from a node_modules above them, as examples/ does from the repo's.
  await symlink(
    fileURLToPath(new URL('../../node_modules', import.meta.url)),
    join(base, 'node_modules'),
  );
  (writeExamples as (dir: string) => void)(fresh);
  const ignore = (tree: Record<string, string>): Record<string, string> =>
    Object.fromEntries(Object.entries(tree).filter(([path]) => !path.startsWith('.mcpx')));
  expect(ignore(await snapshotTree(EXAMPLES))).toEqual(ignore(await snapshotTree(fresh)));
}, 60_000);
