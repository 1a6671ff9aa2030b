import * as Flags from '@oclif/core/flags';
import { BaseCommand } from '../cli/base-command.js';
import { McpxError } from '../errors.js';
import { bridge } from '../services/bridge.js';

export default class Bridge extends BaseCommand {
  static override summary = 'Serve a stdio MCP server over Streamable HTTP (for containers).';
  static override description = `Runs the command after -- as a stdio MCP server, one process per client session, and serves it at http://HOST:PORT/mcp, with /healthz (the bridge answers) and /readyz (a process of the command of its own, started with the bridge, answers ping within 10 s; one that fails is replaced at the next check). This is how a stdio-only server (npx some-mcp) runs in the images of mcpx build.

Requests whose Host is not this machine, the bound address or a name in ALLOWED_HOSTS (comma-separated host names, e.g. the Kubernetes Service's) get 403, as do browser Origins other than localhost and ALLOWED_ORIGINS. MAX_SESSIONS (default 100) caps the sessions, and so the processes.

Logs go to stdout as JSON lines (the command's stderr, stdout lines that are not JSON-RPC, sessions). SIGTERM or Ctrl-C ends every session and its process, then exits 0. Exits with 2 for bad input.`;

  static override examples = [
    '<%= config.bin %> bridge --http 0.0.0.0:8080 -- npx -y @modelcontextprotocol/server-everything',
    '<%= config.bin %> bridge --http 127.0.0.1:3000 -- node server.js',
  ];

  static override usage = 'bridge --http HOST:PORT -- <command> [args...]';

  static override flags = {
    http: Flags.string({
      summary: 'Where to listen: HOST:PORT, :PORT (all interfaces) or PORT.',
      required: true,
    }),
  };

  static override enableJsonFlag = false;

  async run(): Promise<void> {
    const split = this.argv.indexOf('--');
    const own = split === -1 ? this.argv : this.argv.slice(0, split);
    const command = split === -1 ? [] : this.argv.slice(split + 1);
    const { flags } = await this.parse(Bridge, own);
    if (command.length === 0)
      throw new McpxError('mcpx bridge needs the command of a stdio MCP server after --.', {
        hint: 'e.g. `mcpx bridge --http 0.0.0.0:8080 -- npx -y some-mcp-server`',
      });
    const stopping = new AbortController();
    const stop = (): void => stopping.abort();
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
    for (const signal of signals) process.on(signal, stop);
    try {
      await bridge({
        listen: flags.http,
        command,
        env: process.env,
        cwd: process.cwd(),
        out: (line) => process.stdout.write(`${line}\n`),
        signal: stopping.signal,
      });
    } finally {
      for (const signal of signals) process.off(signal, stop);
    }
  }
}
