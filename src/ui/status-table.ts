import type {
  ClusterSnapshot,
  GatewaySnapshot,
  ReplicaSnapshot,
  ReplicaState,
} from '../supervisor/state.js';
import { sanitizeText } from '../sanitize.js';
import { out } from './colors.js';
import { replicaLabel } from '../logs/event.js';
import { table } from './tables.js';

export interface StatusTableOptions {
  /** The time ages are measured to. Default: now. */
  now?: Date;
  /** Terminal width the rows should fit; LAST ERROR is cut to fit. Default: stdout's, or 160. */
  width?: number;
}

const HEADER = [
  'SERVER',
  'STATE',
  'PID',
  'PORT',
  'UPTIME',
  'RESTARTS',
  'TOOLS/RES/PROMPTS',
  'CALLS',
  'LAST RELOAD',
  'LAST ERROR',
] as const;

/** LAST ERROR never gets narrower than this, even on a narrow terminal: it would say nothing. */
const MIN_ERROR_WIDTH = 24;

/**
 * The cluster of `mcpx status`: a summary line, the gateway's line when it runs, then one row per
 * replica. A server with several replicas shows each as `name#i`, with the same 0-based index as
 * `mcpx logs`. Resources count resources and resource templates as `2+1` (just `2` without
 * templates). UPTIME is the time since the current instance became ready. CALLS is the gateway's
 * calls to the replica, in flight now / served (`-` without a gateway).
 *
 * ```
 * mcpx dev (pid 4242) in /work/shop, up 5m12s: 2 of 4 replicas ready
 * gateway http://127.0.0.1:7330/mcp  2 sessions  3 tools, 4 resources, 0 prompts
 * SERVER    STATE    PID   PORT   UPTIME  RESTARTS  TOOLS/RES/PROMPTS  CALLS  LAST RELOAD     LAST ERROR
 * text-kit  ready    4301  -      3m04s   0         3/0/0              1/240  ok 2m10s ago    -
 * docs#0    ready    4302  43117  5m10s   0         0/3+1/0            0/17   -               -
 * docs#1    backoff  -     43118  -       2         -                  0/3    -               exited with code 1: ERR…
 * writing   crashed  -     -      -       5         -                  0/0    failed 12s ago  exited with code 3 five…
 * standby text-kit  pid 4310  ready, 406 modules imported  2 reloads served
 * ```
 */
export function formatStatus(snapshot: ClusterSnapshot, options: StatusTableOptions = {}): string {
  const now = (options.now ?? new Date()).getTime();
  const ready = snapshot.replicas.filter((r) => r.state === 'ready').length;
  const summary = `mcpx dev (pid ${snapshot.pid}) in ${sanitizeText(snapshot.root)}, up ${since(snapshot.startedAt, now)}`;
  const gateway = snapshot.gateway === undefined ? [] : [gatewayLine(snapshot.gateway)];
  if (snapshot.replicas.length === 0) {
    return [`${summary}: no servers running (none enabled in mcpx.json).`, ...gateway].join('\n');
  }

  const replicasOf = new Map<string, number>();
  for (const r of snapshot.replicas) replicasOf.set(r.server, (replicasOf.get(r.server) ?? 0) + 1);
  // Every cell comes from the running mcpx dev, and LAST ERROR quotes the server: shown, not obeyed.
  const rows = snapshot.replicas.map((r) =>
    [
      replicaLabel(r.server, r.replica, replicasOf.get(r.server)),
      r.state,
      r.pid === undefined ? '-' : String(r.pid),
      r.port === undefined ? '-' : String(r.port),
      r.readySince === undefined || !isUp(r.state) ? '-' : since(r.readySince, now),
      String(r.restarts),
      counts(r),
      r.calls === undefined ? '-' : `${r.calls.inFlight}/${r.calls.served}`,
      r.lastReload === undefined
        ? '-'
        : `${r.lastReload.ok ? 'ok' : 'failed'} ${since(r.lastReload.at, now)} ago`,
      oneLine(r.lastError ?? '-'),
    ].map((cell) => sanitizeText(cell)),
  );

  // Cut LAST ERROR to what is left of the width by the other columns and their 2-space gaps.
  const width = options.width ?? (process.stdout.columns || 160);
  const used = HEADER.slice(0, -1).reduce(
    (sum, header, i) =>
      sum + Math.max(header.length, ...rows.map((row) => row[i]?.length ?? 0)) + 2,
    0,
  );
  const room = Math.max(MIN_ERROR_WIDTH, width - used);
  for (const row of rows) row[row.length - 1] = truncate(row.at(-1) ?? '', room);

  // table() measures cells without ANSI codes, so the STATE cell can carry its colour.
  for (const [i, row] of rows.entries()) {
    const state = snapshot.replicas[i]?.state;
    if (state !== undefined) row[1] = paint(state);
  }
  return [
    `${summary}: ${ready} of ${snapshot.replicas.length} replicas ready`,
    ...gateway,
    table(HEADER, rows),
    ...standbyLines(snapshot.replicas, replicasOf),
  ].join('\n');
}

/**
 * One line per pre-warmed standby, under the table (a server gets one after its first change):
 * `standby text-kit  pid 4310  ready, 406 modules imported  2 reloads served`
 */
function standbyLines(replicas: ReplicaSnapshot[], replicasOf: Map<string, number>): string[] {
  return replicas.flatMap((r) => {
    const standby = r.standby;
    if (standby === undefined) return [];
    const state =
      standby.state === 'ready' ? `ready, ${standby.modules ?? 0} modules imported` : 'starting';
    const line = [
      `standby ${replicaLabel(r.server, r.replica, replicasOf.get(r.server))}`,
      `pid ${standby.pid ?? '-'}`,
      state,
      `${plural(standby.promoted, 'reload')} served`,
    ].join('  ');
    return [sanitizeText(line)];
  });
}

/** `gateway http://127.0.0.1:7330/mcp  2 sessions  12 tools, 6 resources, 4 prompts` */
function gatewayLine(gateway: GatewaySnapshot): string {
  const { tools, resources, prompts } = gateway.counts;
  const line = [
    `gateway ${gateway.url}`,
    ...(gateway.auth ? [] : ['no auth']),
    plural(gateway.sessions, 'session'),
    [plural(tools, 'tool'), plural(resources, 'resource'), plural(prompts, 'prompt')].join(', '),
  ].join('  ');
  // Like every cell of the table, it comes from the running mcpx dev: shown, not obeyed.
  return sanitizeText(line);
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/**
 * `12s`, `3m04s`, `1h02m`, `2d05h`: two units at most, enough to tell a fresh restart from a long
 * run at a glance.
 */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const two = (n: number): string => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m${two(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${two(Math.floor(s / 60) % 60)}m`;
  return `${Math.floor(s / 86_400)}d${two(Math.floor(s / 3600) % 24)}h`;
}

function since(iso: string, now: number): string {
  const at = Date.parse(iso);
  return Number.isNaN(at) ? '?' : formatDuration(now - at);
}

/** States in which the current instance has been ready at some point and still runs. */
function isUp(state: ReplicaState): boolean {
  return state === 'ready' || state === 'unhealthy';
}

function counts(r: ReplicaSnapshot): string {
  if (r.counts === undefined) return '-';
  const { tools, resources, resourceTemplates, prompts } = r.counts;
  const res = resourceTemplates > 0 ? `${resources}+${resourceTemplates}` : String(resources);
  return `${tools}/${res}/${prompts}`;
}

function paint(state: ReplicaState): string {
  switch (state) {
    case 'ready':
      return out.green(state);
    case 'starting':
    case 'backoff':
      return out.yellow(state);
    case 'unhealthy':
    case 'crashed':
    case 'unreachable':
      return out.red(state);
    case 'stopping':
    case 'stopped':
      return out.gray(state);
  }
}

/** Errors can hold stack traces and server output: one line, whitespace squeezed. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
