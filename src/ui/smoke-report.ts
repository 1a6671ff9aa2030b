import type { CheckStatus, SmokeReport } from '../smoke/types.js';
import { sanitizeText as safe } from '../sanitize.js';
import { out } from './colors.js';

const MARK: Record<CheckStatus, string> = { pass: '✔', fail: '✖', warn: '!', skip: '-' };

/**
 * ```
 * text-kit (role tools, stdio): text-kit 0.1.0, protocol 2025-11-25
 *   ✔ start                 412 ms  initialized in 398 ms: text-kit 0.1.0, protocol 2025-11-25
 *   ✖ example calls          31 ms  1 of 2 cases failed
 *       count words: expected the text to contain "four", got "{\"words\":3}"
 *     last stderr:
 *       INFO text-kit 0.1.0 ready on stdio
 *
 * 3 servers in 2.1 s; 1 warning
 * 25 passed, 1 failed, 1 skipped
 * ```
 *
 * Everything that comes from a server (its name and version, messages quoting its errors and tool
 * names, its stderr) is sanitised: shown, never obeyed by the terminal.
 */
export function formatSmokeReport(report: SmokeReport): string {
  const color = (status: CheckStatus, text: string): string =>
    status === 'pass'
      ? out.green(text)
      : status === 'fail'
        ? out.red(text)
        : status === 'warn'
          ? out.yellow(text)
          : out.dim(text);
  const lines: string[] = (report.notices ?? []).map((notice) => out.yellow(`warning: ${notice}`));
  if (lines.length > 0) lines.push('');
  for (const server of report.servers) {
    const info =
      server.serverInfo === undefined
        ? ''
        : safe(
            `: ${server.serverInfo.name} ${server.serverInfo.version}${server.protocolVersion === undefined ? '' : `, protocol ${server.protocolVersion}`}`,
          );
    lines.push(
      out.bold(
        `${safe(server.server)} (${server.role === undefined ? 'no role' : `role ${server.role}`}, ${server.transport})${info}`,
      ),
    );
    for (const check of server.checks) {
      const time = check.status === 'skip' ? '' : `${check.ms} ms`;
      lines.push(
        `  ${color(check.status, MARK[check.status])} ${safe(check.name).padEnd(18)} ${time.padStart(8)}  ${check.status === 'skip' ? out.dim(safe(check.message)) : safe(check.message)}`,
      );
      for (const detail of check.details ?? []) lines.push(`      ${safe(detail)}`);
    }
    if (server.checks.some((c) => c.status === 'fail') && server.stderr.length > 0) {
      lines.push('    last stderr:', ...server.stderr.map((line) => `      ${safe(line)}`));
    }
    lines.push('');
  }
  const count = report.servers.length;
  lines.push(
    `${count} server${count === 1 ? '' : 's'} in ${(report.ms / 1000).toFixed(1)} s` +
      (report.warnings > 0
        ? `; ${report.warnings} warning${report.warnings === 1 ? '' : 's'}`
        : '') +
      (report.snapshotWritten === undefined ? '' : `; wrote ${report.snapshotWritten}`),
  );
  // Alone on the last line, in the form CI log readers count.
  lines.push(`${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped`);
  return lines.join('\n');
}
