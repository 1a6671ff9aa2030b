import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { McpxError } from '../../src/errors.js';
import { editManifest, undoManifestEdit } from '../../src/manifest/edit.js';
import { loadWorkspace } from '../../src/manifest/load.js';

describe('editManifest', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcpx-edit-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('adds an entry and keeps unrelated keys, their order and the indentation', async () => {
    const original =
      '{\n    "$schema": "x.json",\n    "mcpServers": {\n        "a": {"command": "x"}\n    }\n}\n';
    await writeFile(join(dir, 'mcpx.json'), original);
    // An edit that would make the manifest invalid is refused and leaves the file as it was.
    await expect(
      editManifest(await loadWorkspace(dir), [
        { path: ['mcpServers', 'b'], value: { command: 7 } },
      ]),
    ).rejects.toBeInstanceOf(McpxError);
    expect(await readFile(join(dir, 'mcpx.json'), 'utf8')).toBe(original);

    const updated = await editManifest(await loadWorkspace(dir), [
      { path: ['mcpServers', 'b'], value: { command: 'node', args: ['s.ts'] } },
    ]);
    const text = await readFile(join(dir, 'mcpx.json'), 'utf8');
    expect(text).toBe(
      '{\n    "$schema": "x.json",\n    "mcpServers": {\n        "a": {"command": "x"},\n        "b": {\n            "command": "node",\n            "args": [\n                "s.ts"\n            ]\n        }\n    }\n}\n',
    );
    expect(updated.manifest.mcpServers.b).toEqual({ command: 'node', args: ['s.ts'] });
    expect(await readdir(dir)).toEqual(['mcpx.json']);
  });

  it('refuses to write over a change made by someone else since loading', async () => {
    await writeFile(join(dir, 'mcpx.json'), '{"mcpServers": {}}');
    const workspace = await loadWorkspace(dir);
    await writeFile(join(dir, 'mcpx.json'), '{"mcpServers": {"z": {"command": "y"}}}');
    await expect(
      editManifest(workspace, [{ path: ['mcpServers', 'b'], value: { command: 'n' } }]),
    ).rejects.toBeInstanceOf(McpxError);
    expect(await readFile(join(dir, 'mcpx.json'), 'utf8')).toBe(
      '{"mcpServers": {"z": {"command": "y"}}}',
    );
  });

  it('finds the manifest from a folder inside the workspace, and says how to create one when none exists', async () => {
    await writeFile(join(dir, 'mcpx.json'), '{"mcpServers": {}}');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dir, 'servers', 'a'), { recursive: true });
    expect((await loadWorkspace(join(dir, 'servers', 'a'))).root).toBe(dir);
    await rm(join(dir, 'mcpx.json'));
    await expect(loadWorkspace(join(dir, 'servers'))).rejects.toMatchObject({
      hint: expect.stringContaining('mcpx init'),
    });
  });
});

describe('concurrent manifest edits', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mcpx-edit-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('applies edits given as a function to the manifest as it is now, keeping what others added', async () => {
    await writeFile(join(dir, 'mcpx.json'), '{\n  "mcpServers": {}\n}\n');
    const stale = await loadWorkspace(dir);
    await editManifest(await loadWorkspace(dir), [
      { path: ['mcpServers', 'other'], value: { command: 'x' } },
    ]);
    const mine = await editManifest(stale, (current) => {
      expect(Object.keys(current.manifest.mcpServers)).toEqual(['other']);
      return [{ path: ['mcpServers', 'mine'], value: { command: 'y' } }];
    });
    expect(Object.keys(mine.manifest.mcpServers)).toEqual(['other', 'mine']);

    // Undone after someone else's edit: only this entry goes.
    await editManifest(await loadWorkspace(dir), [
      { path: ['mcpServers', 'third'], value: { command: 'z' } },
    ]);
    await undoManifestEdit(mine, ['mcpServers', 'mine']);
    expect(Object.keys((await loadWorkspace(dir)).manifest.mcpServers)).toEqual(['other', 'third']);
  });

  it('undoes an edit byte for byte when nobody changed the file since', async () => {
    const original = '{\n  "$schema": "s.json",\n  "mcpServers": {}\n}\n';
    await writeFile(join(dir, 'mcpx.json'), original);
    const edited = await editManifest(await loadWorkspace(dir), () => [
      { path: ['mcpServers', 'a'], value: { command: 'x' } },
    ]);
    await undoManifestEdit(edited, ['mcpServers', 'a']);
    expect(await readFile(join(dir, 'mcpx.json'), 'utf8')).toBe(original);
    expect(await readdir(dir)).toEqual(['mcpx.json']);
  });
});
