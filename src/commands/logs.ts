import * as Flags from '@oclif/core/flags';
import { BaseCommand } from '../cli/base-command.js';
import { dirFlag } from '../cli/flags.js';
import { grepFlag, levelFlag, sinceFlag } from '../cli/log-flags.js';
import { type LogEvent, replicaLabel } from '../logs/event.js';
import { type LogsOptions, followLogEvents, readLogEvents } from '../services/logs.js';

export default class Logs extends BaseCommand {
  static override summary = 'Show the logs of the cluster: every server, and mcpx itself.';
  static override description = `Reads the log events that \`mcpx dev\` writes to .mcpx/logs/ (JSONL, rotated by size) and prints the latest ones as "time | server | message", each server in its own colour and messages coloured by level. A server's stderr counts as info unless the line says otherwise (a JSON log record, logfmt, or a leading word such as WARN or [error]); MCP log notifications keep their level.

--follow keeps printing new events as they are written, across file rotations, until Ctrl-C (or SIGTERM), and then exits 0. It may be started before \`mcpx dev\`: it waits for the logs to appear.

--json prints one JSON object per event, one per line (JSONL), as the events come, instead of one JSON document at the end: the same objects the store holds ({time, server, replica, stream, level, msg, data?}), so \`mcpx logs --follow --json | jq\` works as events arrive.

Filters combine: --server, --level, --since and --grep all have to match.`;

  static override examples = [
    { command: '<%= config.bin %> logs', description: 'The last 50 events.' },
    {
      command: '<%= config.bin %> logs --follow --server weather,docs --level warning',
      description: 'Warnings and worse from two servers, as they happen.',
    },
    {
      command: '<%= config.bin %> logs --since 10m --grep "timeout|ECONNRESET" -n 200',
      description: 'Up to 200 events of the last ten minutes whose message matches.',
    },
    {
      command: '<%= config.bin %> logs -f --json | jq -r .msg',
      description: 'JSONL, one event per line, for scripts.',
    },
  ];

  static override flags = {
    follow: Flags.boolean({
      char: 'f',
      summary: 'Keep printing new events as they are written, until Ctrl-C.',
      default: false,
    }),
    lines: Flags.integer({
      char: 'n',
      summary: 'How many of the latest matching events to print (first, with --follow).',
      default: 50,
      min: 0,
    }),
    server: Flags.string({
      char: 's',
      summary: 'Only these servers, comma-separated (mcpx for the cluster itself).',
      multiple: true,
      delimiter: ',',
    }),
    level: levelFlag,
    since: sinceFlag,
    grep: grepFlag,
    dir: dirFlag,
    // BaseCommand's --json, described for what it does here.
    json: Flags.boolean({
      summary: 'Print each event as one line of JSON (JSONL), as it comes.',
      helpGroup: 'GLOBAL',
    }),
  };

  /** Prints as it goes and returns nothing, so `--json` is JSONL from the sink, not oclif's document. */
  async run(): Promise<void> {
    const { flags } = await this.parse(Logs);
    const options: LogsOptions = {
      dir: flags.dir,
      servers: flags.server,
      level: flags.level,
      since: flags.since,
      grep: flags.grep,
      last: flags.lines,
    };
    if (!flags.follow) {
      const result = await readLogEvents(options);
      if (result.events.length === 0) this.logToStderr(`No matching events in ${result.logDir}.`);
      await this.print(result.events, result, new AbortController());
      return;
    }
    const stop = new AbortController();
    const onSignal = (): void => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const result = await followLogEvents({ ...options, signal: stop.signal });
      for (const notice of result.notices) this.logToStderr(`warning: ${notice}`);
      await this.print(result.events, result, stop);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }

  /** Writes events to stdout until they end; a reader that went away (`| head`) ends it early. */
  private async print(
    events: readonly LogEvent[] | AsyncIterable<LogEvent>,
    servers: { names: readonly string[]; replicas: ReadonlyMap<string, number> },
    stop: AbortController,
  ): Promise<void> {
    const { TerminalSink } = await import('../ui/terminal-sink.js');
    const { names, replicas } = servers;
    // Events known up front align the column from the first line; followed ones widen it later.
    const labels = Array.isArray(events)
      ? events.map((e) => replicaLabel(e.server, e.replica, replicas.get(e.server)))
      : [];
    let readerGone = false;
    const sink = new TerminalSink({
      names: [...names, ...labels],
      replicas,
      json: this.jsonEnabled(),
      onError: () => {
        readerGone = true;
        stop.abort();
      },
    });
    for await (const event of events) {
      if (readerGone) break;
      await sink.write(event);
    }
    await sink.close();
    // Exit now, as `tail -f | head` does: oclif's final flush of stdout would wait for a 'drain'
    // that a closed pipe never emits.
    if (readerGone) this.exit(0);
  }
}
