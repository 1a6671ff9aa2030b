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
        '      <failure message="no &quot;answer&quot;">no &quot;answer&quot;\nafter 5 ms\n\nlast stderr:\nERROR &lt;boom&gt;</failure>',
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
});
