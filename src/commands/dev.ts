import * as Flags from '@oclif/core/flags';
import { BaseCommand } from '../cli/base-command.js';
import { dirFlag, serverFlag } from '../cli/flags.js';

/** Output a terminal may fall behind by (a burst of logs) before lines are left out of it. */
const TERMINAL_BUFFER_BYTES = 4 * 1024 * 1024;

/** After the servers are stopped, how long the last lines may wait for a reader that is not reading. */
const TERMINAL_GRACE_MS = 1000;

export default class Dev extends BaseCommand {
  static override summary =
    'Run every server of the workspace, with live reload, health checks and merged logs.';
  static override description = `Starts each server of mcpx.json (each replica in its own process group) and connects to it as an MCP client: stdio servers over their stdin/stdout, HTTP servers on a free port passed as PORT. A server is ready once initialize is done and its tools, resources and prompts are listed.

While it runs, mcpx pings every server (health.interval, default 5 s) and restarts one that stops answering (health.failures in a row, default 3) or crashes, with exponential backoff; after 5 crashes within 30 s it stops trying until a file changes or you run \`mcpx restart <server>\`. A change to a server's files reloads it blue/green: the new instance starts, and the old one serves until the new one is ready (or keeps serving if the new one fails). The reload reports which tools, resources and prompts were added, removed or changed.

An edit of mcpx.json is applied as it is saved: added servers start, removed ones stop, changed ones (command, args, env, role, ...) start again with the new settings, and a new replicas count adds or stops replicas. An invalid edit changes nothing: the located error is printed and the servers keep running. A server given by url that cannot be reached is tried again, for as long as that lasts (state unreachable).

The gateway serves the whole cluster to MCP clients on one endpoint, http://127.0.0.1:7330/mcp (gateway.port in mcpx.json, --gateway-port): tools and prompts named <server>__<name>, calls load-balanced over each server's ready replicas (least outstanding requests), sessions that survive reloads and restarts of the servers behind it (clients get notifications/*/list_changed). /servers/<name>/mcp serves one server with its own names. It requires the bearer token of .mcpx/gateway-token (made on first run, mode 600) unless --no-auth; \`mcpx connect\` bridges stdio-only clients to it.

Logs of all servers (stderr, MCP notifications/message, mcpx's own events) are merged on stdout as "time | server | message" and stored as JSONL under .mcpx/logs/; read them from another terminal with \`mcpx logs --follow\`, and see the cluster with \`mcpx status\`. The store keeps every line; a terminal that stops reading (\`mcpx dev | sleep 40\`) holds up nothing: lines it cannot take are left out of it and counted.

Stop with Ctrl-C (or SIGTERM, SIGHUP): each server gets its stdin closed, then SIGTERM, then SIGKILL.`;

  static override examples = [
    { command: '<%= config.bin %> dev', description: 'Run every server of the workspace.' },
    {
      command: '<%= config.bin %> dev --server docs,text-kit --no-watch',
      description: 'Run two servers, without live reload.',
    },
  ];

  static override flags = {
    server: serverFlag,
    watch: Flags.boolean({
      allowNo: true,
      default: true,
      summary: 'Reload servers when their files or mcpx.json change (--no-watch to turn off).',
    }),
    gateway: Flags.boolean({
      allowNo: true,
      default: true,
      summary:
        'Serve the cluster to MCP clients on one endpoint (--no-gateway to turn off): http://127.0.0.1:7330/mcp by default.',
    }),
    'gateway-port': Flags.integer({
      min: 0,
      max: 65535,
      env: 'MCPX_GATEWAY_PORT',
      summary:
        'Port of the gateway, instead of "gateway.port" in mcpx.json (default 7330); 0 picks a free one.',
    }),
    auth: Flags.boolean({
      allowNo: true,
      summary:
        "Require the bearer token of .mcpx/gateway-token on the gateway's MCP endpoints (--no-auth to turn off; loopback only).",
    }),
    dir: dirFlag,
    // BaseCommand's --json, described for what it does here.
    json: Flags.boolean({
      summary:
        'Print events as JSONL (one JSON object per line, as they come) instead of text lines.',
    }),
  };

  /** Prints as it goes and returns nothing, so `--json` is the JSONL of the events. */
  async run(): Promise<void> {
    const { flags } = await this.parse(Dev);
    const { TerminalSink } = await import('../ui/terminal-sink.js');
    const { startDev } = await import('../services/dev.js');
    const { listenForKeys } = await import('../ui/keys.js');
    const { formatStatus } = await import('../ui/status-table.js');
    // Handlers go in before anything starts: a Ctrl-C during start-up still stops every server.
    const stopping = new AbortController();
    const stop = (): void => stopping.abort();
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
    for (const signal of signals) process.on(signal, stop);
    let sink: InstanceType<typeof TerminalSink> | undefined;
    try {
      const session = await startDev({
        dir: flags.dir,
        servers: flags.server,
        watch: flags.watch,
        signal: stopping.signal,
        gateway: {
          enabled: flags.gateway,
          port: flags['gateway-port'],
          auth: flags.auth,
        },
        display: (names, replicas) => {
          // A closed stdout (`mcpx dev | head`) ends the run, as it ends any other command.
          const terminal = new TerminalSink({
            json: this.jsonEnabled(),
            names,
            replicas,
            onError: stop,
            dropBeyond: TERMINAL_BUFFER_BYTES,
            droppedHint: 'every line is in the log store (`mcpx logs`)',
          });
          sink = terminal;
          return (event) => void terminal.write(event);
        },
      });
      const restoreKeys = listenForKeys(
        {
          // A failed restart is in the log already, as each replica's error.
          r: () => void session.restart().catch(() => undefined),
          s: () => process.stderr.write(`${formatStatus(session.snapshot())}\n`),
          q: stop,
        },
        stop,
      );
      if (process.stdin.isTTY) process.stderr.write('mcpx dev: r restart all, s status, q quit\n');
      await session.stopped;
      restoreKeys();
    } finally {
      for (const signal of signals) process.off(signal, stop);
    }
    // The servers are stopped. A reader that is not reading (`mcpx dev | sleep 40`) would keep the
    // last lines, and so the process, waiting for ever: give it a moment, then end without them.
    if (sink !== undefined && !(await sink.settled(TERMINAL_GRACE_MS))) this.exit(0);
    await sink?.close();
  }
}
