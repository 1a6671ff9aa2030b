import * as Flags from '@oclif/core/flags';
import { BaseCommand } from '../cli/base-command.js';

/** Log lines a stalled stdout may hold before lines are left out (a container runtime that lags). */
const STDOUT_BUFFER_BYTES = 4 * 1024 * 1024;
/** After the gateway stopped, how long the last lines may wait for a reader that is not reading. */
const STDOUT_GRACE_MS = 1000;

export default class GatewayCommand extends BaseCommand {
  static override summary =
    'Run the gateway alone, over MCP servers that run elsewhere (other hosts, Kubernetes pods).';
  static override description = `The gateway of \`mcpx dev\` without the supervisor: it starts and watches nothing, and serves servers given by URL on one MCP endpoint (/mcp, tools and prompts named <server>__<name>; /servers/<name>/mcp for one server), with /healthz (the process is up) and /readyz (200 while at least one server has a ready replica, with each replica's state).

Servers come from a members file (--members, the ConfigMap that \`mcpx k8s render\` writes):
  {"servers": {"docs": {"url": "http://docs.default.svc.cluster.local:8080/mcp", "discovery": "dns"},
               "text-kit": {"urls": ["http://10.0.1.2:8080/mcp", "http://10.0.2.2:8080/mcp"]}}}
and/or from the "url" entries of a workspace's mcpx.json (--dir). Each server has one or more replicas: "url" is one replica; "urls" are fixed replicas; "discovery": "dns" makes every address the URL's host resolves to a replica (the pods behind a headless Service), resolved again every 5 s, each reached with the Host header of the URL so that the server's ALLOWED_HOSTS admits it. Optional per server: "prefix", "headers" (values expand \${NAME} from the environment), "health" ({"interval", "timeout", "failures"}) and "startTimeout" (ms to connect, initialize and list), as in mcpx.json.

As in mcpx dev, every replica is pinged over MCP (every health.interval, default 5 s); after health.failures failed pings in a row (default 3) it takes no calls and is tried again, with backoff, until it answers. Calls go to the ready replica with the fewest calls in flight. A server with no ready replica drops out of the lists (clients get notifications/*/list_changed) and calls to it get an error naming it; the gateway keeps serving the others.

It requires a bearer token: MCPX_GATEWAY_TOKEN (at least 43 base64url characters), else the workspace's .mcpx/gateway-token with --dir. --no-auth is refused unless --host is a loopback address.

Logs are JSON lines on stdout (one event per line: time, server, replica, stream, level, msg), what container platforms collect. Stop with SIGTERM or Ctrl-C.`;

  static override examples = [
    {
      command: '<%= config.bin %> gateway --members members.json --host 0.0.0.0 --port 8080',
      description: 'In a container: the members file from a ConfigMap, the token from a Secret.',
    },
    {
      command: '<%= config.bin %> gateway --dir . --port 7331',
      description: 'The url entries of this workspace, with its token file.',
    },
  ];

  static override flags = {
    members: Flags.file({
      summary: 'Members file (JSON): the servers and their replica URLs, or DNS discovery.',
    }),
    dir: Flags.directory({
      char: 'C',
      summary: 'Workspace folder: the "url" entries of its mcpx.json, and its .mcpx/gateway-token.',
    }),
    host: Flags.string({
      summary:
        'Address to listen on (default 127.0.0.1, or "gateway.host" of mcpx.json); 0.0.0.0 for every interface.',
    }),
    port: Flags.integer({
      min: 0,
      max: 65535,
      summary:
        'Port to listen on (default 7330, or "gateway.port" of mcpx.json); 0 picks a free one.',
    }),
    auth: Flags.boolean({
      allowNo: true,
      default: true,
      summary:
        'Require the bearer token (--no-auth to turn off; refused unless --host is a loopback address).',
    }),
  };

  static override enableJsonFlag = false;

  async run(): Promise<void> {
    const { flags } = await this.parse(GatewayCommand);
    const { TerminalSink } = await import('../ui/terminal-sink.js');
    const { startRemoteGateway } = await import('../services/gateway.js');
    const stopping = new AbortController();
    const stop = (): void => stopping.abort();
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
    for (const signal of signals) process.on(signal, stop);
    const sink = new TerminalSink({
      json: true,
      onError: stop,
      dropBeyond: STDOUT_BUFFER_BYTES,
      droppedHint: 'the gateway could not write them to stdout as fast as they came',
    });
    try {
      const gateway = await startRemoteGateway({
        members: flags.members,
        dir: flags.dir,
        host: flags.host,
        port: flags.port,
        auth: flags.auth,
        signal: stopping.signal,
        onEvent: (event) => void sink.write(event),
      });
      await gateway.stopped;
    } finally {
      for (const signal of signals) process.off(signal, stop);
    }
    if (!(await sink.settled(STDOUT_GRACE_MS))) this.exit(0);
    await sink.close();
  }
}
