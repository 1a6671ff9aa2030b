import { describe, expect, it } from 'vitest';
import { McpxError } from '../../src/errors.js';
import { parseMembers } from '../../src/gateway/remote/members-file.js';
import { specOf } from '../../src/gateway/remote/cluster.js';

const FILE = '/etc/mcpx/members.json';

function problem(text: string): McpxError {
  try {
    parseMembers(FILE, text);
  } catch (error) {
    if (error instanceof McpxError) return error;
    throw error;
  }
  throw new Error('no error');
}

describe('members file', () => {
  it('reads the contract: url with dns discovery, urls, prefix, headers, health, startTimeout', () => {
    const members = parseMembers(
      FILE,
      JSON.stringify({
        servers: {
          docs: {
            url: 'http://docs.default.svc.cluster.local:8080/mcp',
            discovery: 'dns',
            prefix: 'd',
            headers: { 'X-Team': '${TEAM}' },
          },
          'text-kit': {
            urls: ['http://10.0.1.2:8080/mcp', 'http://10.0.2.2:8080/mcp'],
            health: { interval: 500, failures: 2 },
            startTimeout: 3000,
          },
          one: { url: 'https://one.example/mcp', discovery: 'none' },
        },
      }),
    );
    expect(members.map((m) => [m.config.name, m.config.prefix, m.source])).toEqual([
      ['docs', 'd', { kind: 'dns', url: 'http://docs.default.svc.cluster.local:8080/mcp' }],
      [
        'text-kit',
        'text-kit',
        { kind: 'urls', urls: ['http://10.0.1.2:8080/mcp', 'http://10.0.2.2:8080/mcp'] },
      ],
      ['one', 'one', { kind: 'urls', urls: ['https://one.example/mcp'] }],
    ]);
    const textKit = members[1]?.config;
    expect(textKit?.health).toEqual({ interval: 500, timeout: 2000, failures: 2 });
    expect(textKit?.startTimeout).toBe(3000);
    // Streamable HTTP, not guessed: a Service that answers 404 is down, not an SSE server.
    expect(textKit?.transport).toBe('http');
    expect(textKit?.detect).toBe(false);
  });

  it.each([
    ['not JSON', '{"servers": {', /members\.json:1:\d+: it is not valid JSON/],
    ['no servers key', '{}', /members\.json:1:1: servers: /],
    ['an unknown key', '{"servers": {}, "extra": 1}', /Unrecognized key: "extra"/],
    ['no servers', '{"servers": {}}', /servers: no servers/],
    [
      'neither url nor urls',
      '{"servers": {"docs": {"prefix": "d"}}}',
      /members\.json:1:22: servers\.docs: give either "url".*or "urls"/,
    ],
    [
      'both url and urls',
      '{"servers": {"docs": {"url": "http://a/mcp", "urls": ["http://b/mcp"]}}}',
      /servers\.docs: give either/,
    ],
    [
      'a URL that is not http',
      '{"servers": {"docs": {"url": "ftp://a/mcp"}}}',
      /members\.json:1:30: servers\.docs\.url: expected an http:\/\/ or https:\/\/ URL/,
    ],
    [
      'a bad one among urls',
      '{"servers": {"docs": {"urls": ["http://a/mcp", "nope"]}}}',
      /servers\.docs\.urls\[1\]: expected an http/,
    ],
    [
      'dns discovery with fixed urls',
      '{"servers": {"docs": {"urls": ["http://a/mcp"], "discovery": "dns"}}}',
      /servers\.docs\.discovery: "discovery": "dns" resolves the host of "url"/,
    ],
    [
      'an unknown discovery',
      '{"servers": {"docs": {"url": "http://a/mcp", "discovery": "k8s"}}}',
      /servers\.docs\.discovery: /,
    ],
    [
      'a bad server name',
      '{"servers": {"Docs": {"url": "http://a/mcp"}}}',
      /servers\.Docs: not a server name: it has uppercase letters/,
    ],
    [
      'a prefix twice',
      '{"servers": {"a": {"url": "http://a/mcp", "prefix": "x"}, "b": {"url": "http://b/mcp", "prefix": "x"}}}',
      /servers\.b\.prefix: servers "a" and "b" both have the prefix "x"/,
    ],
    [
      'a key twice',
      '{"servers": {"a": {"url": "http://a/mcp"}, "a": {"url": "http://b/mcp"}}}',
      /servers\.a: this key appears twice/,
    ],
    [
      'a health interval too short',
      '{"servers": {"a": {"url": "http://a/mcp", "health": {"interval": 1}}}}',
      /servers\.a\.health\.interval: /,
    ],
  ])('refuses %s, naming the file, the place and the field (exit 2)', (_, text, message) => {
    const error = problem(text);
    expect(error.message).toMatch(message);
    expect(error.message.startsWith(`${FILE}:`)).toBe(true);
    expect(error.exitCode).toBe(2);
    expect(error.hint).toContain('"servers"');
  });
});

describe('a replica found by DNS', () => {
  it('is reached at its address with the Host of the URL, so that ALLOWED_HOSTS admits it', () => {
    const [member] = parseMembers(
      FILE,
      JSON.stringify({
        servers: {
          docs: {
            url: 'http://docs.ns.svc.cluster.local:8080/mcp',
            discovery: 'dns',
            headers: { Authorization: 'Bearer ${DOCS_TOKEN}' },
          },
        },
      }),
    );
    const config = member?.config;
    if (config === undefined) throw new Error('no member');
    const v4 = specOf(config, 3, 'http://docs.ns.svc.cluster.local:8080/mcp', '10.1.2.3', {
      DOCS_TOKEN: 't0k',
    });
    expect(v4.url).toBe('http://10.1.2.3:8080/mcp');
    expect(v4.headers).toEqual({
      Authorization: 'Bearer t0k',
      host: 'docs.ns.svc.cluster.local:8080',
    });
    expect(v4.replica).toBe(3);
    const v6 = specOf(config, 4, 'http://docs.ns.svc.cluster.local:8080/mcp', 'fd00::5', {});
    expect(v6.url).toBe('http://[fd00::5]:8080/mcp');
    const fixed = specOf(config, 0, 'http://10.9.9.9:8080/mcp', undefined, {});
    expect(fixed.url).toBe('http://10.9.9.9:8080/mcp');
    expect(fixed.headers).toEqual({ Authorization: 'Bearer ' });
  });
});
