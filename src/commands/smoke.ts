import * as Flags from '@oclif/core/flags';
import { BaseCommand } from '../cli/base-command.js';
import { dirFlag, serverFlag } from '../cli/flags.js';
import { McpxError } from '../errors.js';
import type { SmokeReport } from '../smoke/types.js';

export default class Smoke extends BaseCommand {
  static override summary =
    'Smoke-test every server of the workspace: the check CI runs on each push.';
  static override description = `Starts each server of mcpx.json the way \`mcpx dev\` does (no watching), connects as an MCP client, runs these checks, stops it, and reports:

1. start: the whole start (spawn, a free fixed port, initialize) completes within smoke.startTimeout (default 30 s); reports the server's name, version and protocol version.
2. capabilities: tools, resources, resource templates and prompts list as declared.
3. role: the server exposes only what its role allows; read-only roles have only tools annotated readOnlyHint: true.
4. names and schemas: tool names match ^[A-Za-z0-9_.-]{1,128}$, are unique, and fit in 64 characters with the client prefix (smoke.clientPrefix, default "mcp__{server}__"); every inputSchema and outputSchema compiles as JSON Schema. Tools without a description are a warning.
5. ping: answered.
6. example calls: the cases under "smoke": {"cases": [...]} in the server's entry (or in mcpx.smoke.json) call a tool, read a resource or get a prompt, and check the result (not an error, text contains or matches, structuredContent contains); a tool's outputSchema is checked against what it returned.
7. surface snapshot: compares the surface with mcpx.snapshot.json (write it with --update and commit it). Removed tools, prompts or resources, new required inputs and changed input or output types fail; additions pass.
8. clean stdout (stdio): nothing but JSON-RPC on stdout during the whole run.
9. stop: the server exits within smoke.stopTimeout (default 5 s) of stdin closing and SIGTERM.

Exit codes: 0 all passed, 1 a check failed, 2 usage or manifest error, 4 a server could not be started or reached.`;

  static override examples = [
    { command: '<%= config.bin %> smoke', description: 'Check every server.' },
    {
      command: '<%= config.bin %> smoke --update',
      description: 'Record the current surface of every server in mcpx.snapshot.json.',
    },
    {
      command: '<%= config.bin %> smoke --reporter junit --output smoke.xml',
      description: 'Also write JUnit XML for the CI to render.',
    },
    {
      command: '<%= config.bin %> smoke --server docs,text-kit --json',
      description: 'Two servers, the result as one JSON object.',
    },
  ];

  static override flags = {
    server: serverFlag,
    update: Flags.boolean({
      summary: 'Write the surface snapshot (mcpx.snapshot.json) instead of comparing with it.',
      default: false,
    }),
    reporter: Flags.option({
      options: ['human', 'junit'] as const,
      summary: 'Also write a report in this format to --output.',
      default: 'human',
    })(),
    output: Flags.file({ char: 'o', summary: 'Where the --reporter junit XML goes.' }),
    dir: dirFlag,
  };

  /**
   * Returns the report, which oclif prints for --json as for every other command; a failed run
   * sets the exit code (1 or 4) instead of exiting here, so that the report is still returned.
   */
  async run(): Promise<SmokeReport> {
    const { flags } = await this.parse(Smoke);
    if (flags.reporter === 'junit' && flags.output === undefined) {
      throw new McpxError('--reporter junit needs --output FILE.', {
        hint: 'e.g. `mcpx smoke --reporter junit --output smoke.xml`',
      });
    }
    const { runSmoke } = await import('../services/smoke.js');
    // Ctrl-C (or SIGTERM, SIGHUP) stops the servers being checked, whole trees, before mcpx exits.
    const interrupt = new AbortController();
    const stop = (): void => interrupt.abort();
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
    for (const signal of signals) process.on(signal, stop);
    const report = await runSmoke({
      dir: flags.dir,
      servers: flags.server,
      update: flags.update,
      junit: flags.reporter === 'junit' ? flags.output : undefined,
      signal: interrupt.signal,
    }).finally(() => {
      for (const signal of signals) process.off(signal, stop);
    });
    if (!this.jsonEnabled()) {
      const { formatSmokeReport } = await import('../ui/smoke-report.js');
      this.log(formatSmokeReport(report));
    }
    if (report.exitCode !== 0) process.exitCode = report.exitCode;
    return report;
  }
}
