// What an edit of mcpx.json does to a running cluster, decided before anything is stopped.
import { describe, expect, it } from 'vitest';
import { type Workspace, workspaceOf } from '../../src/manifest/load.js';
import type { Manifest } from '../../src/manifest/schema.js';
import {
  describePlan,
  planManifestChange,
  runnableServers,
} from '../../src/supervisor/policies/reload-on-manifest-change.js';

function workspace(manifest: Manifest): Workspace {
  return workspaceOf('/w', '/w/mcpx.json', JSON.stringify(manifest), manifest);
}

const plan = (before: Manifest, after: Manifest, selection?: string[]) =>
  planManifestChange(
    runnableServers(workspace(before), selection),
    runnableServers(workspace(after), selection),
  );

describe('planManifestChange', () => {
  it('adds, removes, restarts what changed (env, args, role) and rescales what only changed replicas', () => {
    const result = plan(
      {
        mcpServers: {
          same: { command: 'node', args: ['a.js'] },
          env: { command: 'node', env: { A: '1' } },
          gone: { command: 'node' },
          scaled: { command: 'node', replicas: 3 },
          role: { command: 'node', role: 'tools' },
        },
      },
      {
        mcpServers: {
          same: { command: 'node', args: ['a.js'] },
          env: { command: 'node', env: { A: '2' } },
          scaled: { command: 'node', replicas: 1 },
          role: { command: 'node', role: 'resources' },
          late: { url: 'http://127.0.0.1:1/mcp' },
        },
      },
    );
    expect(result).toEqual({
      added: ['late'],
      removed: ['gone'],
      changed: [
        { name: 'env', fields: ['env'] },
        { name: 'role', fields: ['role'] },
      ],
      rescaled: [{ name: 'scaled', from: 3, to: 1 }],
    });
    expect(describePlan(result)).toBe(
      'started late; stopped gone; restarted env (env changed); restarted role (role changed); scaled: 3 -> 1 replicas',
    );
  });

  it('restarts the servers of a role whose definition changed', () => {
    const result = plan(
      {
        roles: { mine: { primitives: ['tools'], env: ['API_KEY'] } },
        mcpServers: { s: { command: 'x', role: 'mine' } },
      },
      {
        roles: { mine: { primitives: ['tools'], env: ['API_KEY', 'API_URL'] } },
        mcpServers: { s: { command: 'x', role: 'mine' } },
      },
    );
    expect(result.changed).toEqual([{ name: 's', fields: ['role definition'] }]);
  });

  it('follows disabled, and only the selected names with --server', () => {
    expect(
      plan(
        { mcpServers: { a: { command: 'x' }, b: { command: 'x', disabled: true } } },
        { mcpServers: { a: { command: 'x', disabled: true }, b: { command: 'x' } } },
      ),
    ).toMatchObject({ added: ['b'], removed: ['a'] });
    expect(
      plan(
        { mcpServers: { a: { command: 'x' }, b: { command: 'x' } } },
        { mcpServers: { a: { command: 'y' }, b: { command: 'y' }, c: { command: 'x' } } },
        ['a', 'c'],
      ),
    ).toEqual({
      added: ['c'],
      removed: [],
      changed: [{ name: 'a', fields: ['command'] }],
      rescaled: [],
    });
    expect(describePlan(plan({ mcpServers: {} }, { mcpServers: {} }))).toBeUndefined();
  });
});
