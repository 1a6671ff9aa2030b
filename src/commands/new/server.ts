import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { BaseCommand } from '../../cli/base-command.js';
import { dirFlag, yesFlag } from '../../cli/flags.js';
import { resolveInput } from '../../cli/inputs.js';
import { serverNameProblem } from '../../manifest/names.js';
import {
  type NewServerResult,
  type Transport,
  newServer,
  newServerChoices,
  parseTransport,
} from '../../services/new-server.js';

export default class NewServer extends BaseCommand {
  static override summary = 'Scaffold a role-scoped MCP server into the workspace.';
  static override description = `Copies the template of the server's role into servers/<name>, registers it in mcpx.json, runs npm install in the workspace and typechecks the new server. If any step fails, everything it did is undone.

Roles keep servers isolated by responsibility. Built in: "tools" (tool execution, with honest annotations such as readOnlyHint and destructiveHint), "resources" (data retrieval: resources and resource templates; any tools must be read-only) and "prompts" (reasoning and prompt templates: prompts only). A workspace may declare more under "roles" in mcpx.json.

The server is TypeScript that Node runs directly (no build step in development), with a stdio entry (src/stdio.ts) and a Streamable HTTP entry (src/http.ts); --transport picks the one mcpx runs.

Missing values are asked for on a terminal. Without one (or with CI set) mcpx never prompts: it fails naming the flag to pass.`;

  static override examples = [
    {
      command: '<%= config.bin %> new server weather --role tools --transport stdio',
      description: 'A tool server spoken to over stdio.',
    },
    {
      command: '<%= config.bin %> new server docs --role resources --transport http --no-install',
      description: 'A data server over Streamable HTTP, without installing yet.',
    },
    { command: '<%= config.bin %> new server', description: 'Ask for everything.' },
  ];

  static override args = {
    name: Args.string({
      description: 'Server name: lowercase letters, digits, "-" and "_"; unique in the workspace.',
    }),
  };

  static override flags = {
    role: Flags.string({
      char: 'r',
      summary: 'Role of the server: tools, resources, prompts, or one declared in mcpx.json.',
    }),
    // Not an oclif option list: "sse" gets its own refusal (deprecated, and what to use instead).
    transport: Flags.custom<Transport>({
      char: 't',
      helpValue: '<stdio|http>',
      summary: 'How mcpx talks to it: stdio (a local process) or http (Streamable HTTP).',
      parse: async (input) => parseTransport(input),
    })(),
    description: Flags.string({
      char: 'd',
      summary: "One line on what the server is for (default: the template's).",
    }),
    install: Flags.boolean({
      allowNo: true,
      default: true,
      summary: 'Run npm install and typecheck the server (--no-install skips both).',
    }),
    dir: dirFlag,
    yes: yesFlag,
  };

  async run(): Promise<NewServerResult> {
    const { args, flags } = await this.parse(NewServer);
    const choices = await newServerChoices(flags.dir);
    const { askSelect, askText } = await import('../../ui/prompts.js');
    const name = await resolveInput({
      value: args.name,
      yes: flags.yes,
      flag: 'the server name, as in `mcpx new server <name>`',
      ask: () =>
        askText('Server name', (value) => {
          if (choices.servers.includes(value)) return `"${value}" is already in mcpx.json`;
          const problem = serverNameProblem(value);
          return problem === undefined ? true : `not a valid server name: ${problem}`;
        }),
    });
    const role = await resolveInput({
      value: flags.role,
      yes: flags.yes,
      yesDefault: 'tools',
      flag: `--role <${choices.roles.map((r) => r.name).join('|')}>`,
      ask: () =>
        askSelect(
          'Role',
          choices.roles.map((r) => ({ value: r.name, name: r.name, description: r.description })),
        ),
    });
    const transport = await resolveInput<Transport>({
      value: flags.transport,
      yes: flags.yes,
      yesDefault: 'stdio',
      flag: '--transport <stdio|http>',
      ask: () =>
        askSelect<Transport>('Transport', [
          {
            value: 'stdio',
            name: 'stdio',
            description: 'a local process; the client speaks over its stdin/stdout',
          },
          { value: 'http', name: 'http', description: 'Streamable HTTP on 127.0.0.1' },
        ]),
    });
    const { taskRunner } = await import('../../ui/tasks.js');
    // Ctrl-C or SIGTERM mid-install undoes the server instead of leaving half of it.
    const interrupt = new AbortController();
    const onSignal = (): void => interrupt.abort();
    // `on`, not `once`: a listener that removed itself would leave execa's signal-exit as the last
    // one, and it re-sends the signal to kill mcpx before the undo ran.
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const result = await newServer(
      {
        dir: flags.dir,
        name,
        role,
        transport,
        description: flags.description,
        install: flags.install,
        signal: interrupt.signal,
      },
      taskRunner({ quiet: this.jsonEnabled() }),
    ).finally(() => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    });
    const { formatNewServer } = await import('../../ui/summaries.js');
    this.log(formatNewServer(result));
    return result;
  }
}
