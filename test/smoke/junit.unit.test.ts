import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import { toJUnit } from '../../src/smoke/junit.js';
import type { SmokeReport } from '../../src/smoke/types.js';

describe('toJUnit', () => {
  it('writes a suite per server and a case per check, escaping text and carrying stderr into failures', () => {
    const report: SmokeReport = {
      root: '/w',
      passed: 1,
      failed: 1,
      skipped: 1,
      warnings: 0,
      exitCode: 1,
      ms: 1500,
      servers: [
        {
          server: 'a&b',
          transport: 'stdio',
          role: 'tools',
          ms: 1200,
          stderr: ['ERROR <boom>\u0007'],
          checks: [
            { name: 'start', status: 'pass', ms: 100, message: 'initialized' },
            {
              name: 'ping',
              status: 'fail',
              ms: 5,
              message: 'no "answer"',
              details: ['after 5 ms'],
            },
            { name: 'example calls', status: 'skip', ms: 0, message: 'no cases' },
          ],
        },
      ],
    };
    expect(toJUnit(report)).toBe(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<testsuites name="mcpx smoke" tests="3" failures="1" skipped="1" time="1.500">',
        '  <testsuite name="a&amp;b" tests="3" failures="1" skipped="1" time="1.200">',
        '    <testcase classname="mcpx.smoke.a&amp;b" name="start" time="0.100">',
        '      <system-out>initialized</system-out>',
        '    </testcase>',
        '    <testcase classname="mcpx.smoke.a&amp;b" name="ping" time="0.005">',
        '      <failure message="no &quot;answer&quot;">no &quot;answer&quot;\nafter 5 ms\n\nlast stderr:\nERROR &lt;boom&gt;\\x07</failure>',
        '    </testcase>',
        '    <testcase classname="mcpx.smoke.a&amp;b" name="example calls" time="0.000">',
        '      <skipped message="no cases"/>',
        '    </testcase>',
        '  </testsuite>',
        '</testsuites>',
        '',
      ].join('\n'),
    );
  });

  it('writes XML a strict parser accepts whatever characters the server sent', () => {
    const hostile = 'a\u0000b\u001b]0;t\u0007\u0085\uffff\ufffe\ud800 ok';
    const report: SmokeReport = {
      root: '/w',
      passed: 0,
      failed: 1,
      skipped: 0,
      warnings: 0,
      exitCode: 1,
      ms: 10,
      servers: [
        {
          server: 's',
          transport: 'stdio',
          role: 'tools',
          ms: 10,
          stderr: [hostile],
          checks: [{ name: 'ping', status: 'fail', ms: 1, message: hostile, details: [hostile] }],
        },
      ],
    };
    const xml = toJUnit(report);
    const errors: Error[] = [];
    const parser = new SaxesParser();
    parser.on('error', (error) => errors.push(error));
    const texts: string[] = [];
    parser.on('text', (text) => texts.push(text));
    parser.write(xml).close();
    expect(errors).toEqual([]);
    expect(texts.join('')).toContain('a\\x00b\\x1b]0;t\\x07\\x85\\uffff\\ufffe\\ud800 ok');
  });
});
