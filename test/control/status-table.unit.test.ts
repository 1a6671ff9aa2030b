// The table of `mcpx status`, from a fixed snapshot and a fixed clock.
import { stripVTControlCharacters } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { out } from '../../src/ui/colors.js';
import { formatDuration, formatStatus } from '../../src/ui/status-table.js';
import { CLUSTER, CLUSTER_WITH_GATEWAY } from './cluster.js';

const NOW = new Date('2026-11-24T10:05:12.000Z');

describe('formatStatus', () => {
  const level = out.level;
  afterEach(() => {
    out.level = level;
  });

  it('prints a summary and one row per replica, with no calls without a gateway', () => {
    out.level = 0;
    expect(formatStatus(CLUSTER, { now: NOW, width: 120 })).toBe(
      [
        'mcpx dev (pid 4242) in /work/shop, up 5m12s: 2 of 4 replicas ready',
        'SERVER    STATE    PID   PORT   UPTIME  RESTARTS  TOOLS/RES/PROMPTS  CALLS  LAST RELOAD     LAST ERROR',
        'text-kit  ready    4301  -      3m04s   0         3/0/0              -      ok 2m10s ago    -',
        'docs#0    ready    4302  43117  5m10s   0         0/3+1/0            -      -               -',
        'docs#1    backoff  -     43118  -       2         -                  -      -               exited with code 1: ERROR c…',
        'writing   crashed  -     -      -       5         -                  -      failed 12s ago  exited with code 3 five tim…',
      ].join('\n'),
    );
  });

  it("shows the gateway before the table, and each replica's calls in flight and served", () => {
    out.level = 0;
    expect(formatStatus(CLUSTER_WITH_GATEWAY, { now: NOW, width: 120 })).toBe(
      [
        'mcpx dev (pid 4242) in /work/shop, up 5m12s: 2 of 4 replicas ready',
        'gateway http://127.0.0.1:7330/mcp  2 sessions  3 tools, 4 resources, 0 prompts',
        'SERVER    STATE    PID   PORT   UPTIME  RESTARTS  TOOLS/RES/PROMPTS  CALLS  LAST RELOAD     LAST ERROR',
        'text-kit  ready    4301  -      3m04s   0         3/0/0              1/240  ok 2m10s ago    -',
        'docs#0    ready    4302  43117  5m10s   0         0/3+1/0            0/17   -               -',
        'docs#1    backoff  -     43118  -       2         -                  0/3    -               exited with code 1: ERROR c…',
        'writing   crashed  -     -      -       5         -                  0/0    failed 12s ago  exited with code 3 five tim…',
      ].join('\n'),
    );
  });

  it("shows each replica's pre-warmed standby under the table", () => {
    out.level = 0;
    const [kit, docs0, ...rest] = CLUSTER.replicas;
    if (kit === undefined || docs0 === undefined) throw new Error('fixture changed');
    const replicas = [
      { ...kit, standby: { pid: 4310, state: 'ready' as const, modules: 406, promoted: 2 } },
      {
        ...docs0,
        standby: { pid: 4311, state: 'starting' as const, modules: undefined, promoted: 1 },
      },
      ...rest,
    ];
    expect(
      formatStatus({ ...CLUSTER, replicas }, { now: NOW, width: 120 })
        .split('\n')
        .slice(-2),
    ).toEqual([
      'standby text-kit  pid 4310  ready, 406 modules imported  2 reloads served',
      'standby docs#0  pid 4311  starting  1 reload served',
    ]);
  });

  it('says "no auth" when the gateway takes no token, and counts in the singular', () => {
    out.level = 0;
    const gateway = {
      url: 'http://127.0.0.1:8080/mcp',
      auth: false,
      sessions: 1,
      counts: { tools: 1, resources: 1, prompts: 1 },
    };
    expect(formatStatus({ ...CLUSTER, gateway }, { now: NOW }).split('\n')[1]).toBe(
      'gateway http://127.0.0.1:8080/mcp  no auth  1 session  1 tool, 1 resource, 1 prompt',
    );
  });

  it('shows the gateway of a cluster that runs no server', () => {
    expect(formatStatus({ ...CLUSTER_WITH_GATEWAY, replicas: [] }, { now: NOW })).toBe(
      [
        'mcpx dev (pid 4242) in /work/shop, up 5m12s: no servers running (none enabled in mcpx.json).',
        'gateway http://127.0.0.1:7330/mcp  2 sessions  3 tools, 4 resources, 0 prompts',
      ].join('\n'),
    );
  });

  it('prints the gateway line from mcpx dev without obeying escapes in it', () => {
    out.level = 0;
    const gateway = { ...CLUSTER_WITH_GATEWAY.gateway!, url: 'http://x/\u001b]52;c;evil\u0007' };
    const line = formatStatus({ ...CLUSTER, gateway }, { now: NOW }).split('\n')[1] ?? '';
    // eslint-disable-next-line no-control-regex
    expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(line).toContain('52;c;evil');
  });

  it('colours the state without moving the columns', () => {
    out.level = 0;
    const plain = formatStatus(CLUSTER, { now: NOW, width: 200 });
    out.level = 1;
    const coloured = formatStatus(CLUSTER, { now: NOW, width: 200 });
    expect(coloured).toContain('\u001b[32mready\u001b[39m');
    expect(coloured).toContain('\u001b[33mbackoff\u001b[39m');
    expect(coloured).toContain('\u001b[31mcrashed\u001b[39m');
    expect(stripVTControlCharacters(coloured)).toBe(plain);
  });

  it('keeps LAST ERROR readable on a narrow terminal', () => {
    out.level = 0;
    const lines = formatStatus(CLUSTER, { now: NOW, width: 40 }).split('\n');
    expect(lines[4]).toMatch(/ {2}exited with code 1: ERR…$/);
  });

  it('says so when the cluster runs nothing', () => {
    expect(formatStatus({ ...CLUSTER, replicas: [] }, { now: NOW })).toBe(
      'mcpx dev (pid 4242) in /work/shop, up 5m12s: no servers running (none enabled in mcpx.json).',
    );
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [12_400, '12s'],
    [59_999, '59s'],
    [60_000, '1m00s'],
    [184_000, '3m04s'],
    [3_720_000, '1h02m'],
    [86_399_000, '23h59m'],
    [2 * 86_400_000 + 5 * 3_600_000, '2d05h'],
    [-5000, '0s'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
