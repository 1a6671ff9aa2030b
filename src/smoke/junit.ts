import { sanitizeText } from '../sanitize.js';
import type { SmokeReport } from './types.js';

/**
 * Text as XML character data. XML 1.0 cannot carry most control characters, lone surrogates or
 * U+FFFE/U+FFFF at all (one makes the file unparseable), and CI pages show the rest to people: the
 * sanitiser writes all of them as visible escapes (`\x1b`). Newlines stay in element text; in an
 * attribute a parser would turn them into spaces, so there they are escaped too.
 */
const escapeXml = (text: string, keepNewlines: boolean): string =>
  sanitizeText(text, { keepNewlines })
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
const escape = (text: string): string => escapeXml(text, false);
const escapeBody = (text: string): string => escapeXml(text, true);

const seconds = (ms: number): string => (ms / 1000).toFixed(3);

/**
 * JUnit XML as CI systems (GitHub Actions test reporters, GitLab, Jenkins) render it: a test suite per
 * server, a test case per check; failures carry the details and the server's last stderr lines.
 */
export function toJUnit(report: SmokeReport): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="mcpx smoke" tests="${report.passed + report.failed + report.skipped}" failures="${report.failed}" skipped="${report.skipped}" time="${seconds(report.ms)}">`,
  ];
  for (const server of report.servers) {
    const failures = server.checks.filter((c) => c.status === 'fail').length;
    const skipped = server.checks.filter((c) => c.status === 'skip').length;
    lines.push(
      `  <testsuite name="${escape(server.server)}" tests="${server.checks.length}" failures="${failures}" skipped="${skipped}" time="${seconds(server.ms)}">`,
    );
    for (const check of server.checks) {
      const open = `    <testcase classname="mcpx.smoke.${escape(server.server)}" name="${escape(check.name)}" time="${seconds(check.ms)}"`;
      const body = [check.message, ...(check.details ?? [])].join('\n');
      if (check.status === 'fail') {
        const stderr =
          server.stderr.length > 0 ? `\n\nlast stderr:\n${server.stderr.join('\n')}` : '';
        lines.push(
          `${open}>`,
          `      <failure message="${escape(check.message)}">${escapeBody(body + stderr)}</failure>`,
          '    </testcase>',
        );
      } else if (check.status === 'skip') {
        lines.push(
          `${open}>`,
          `      <skipped message="${escape(check.message)}"/>`,
          '    </testcase>',
        );
      } else {
        lines.push(
          `${open}>`,
          `      <system-out>${escapeBody((check.status === 'warn' ? 'warning: ' : '') + body)}</system-out>`,
          '    </testcase>',
        );
      }
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>', '');
  return lines.join('\n');
}
