import { describe, expect, it } from 'vitest';
import { McpxError } from '../../src/errors.js';
import { manifestProblems, parseManifest } from '../../src/manifest/load.js';

/** The problems of a manifest text as `line:col path: message` strings. */
function problems(text: string): string[] {
  const result = manifestProblems(text);
  if (result.ok) return [];
  return result.problems.map((p) => `${p.line}:${p.column} ${p.path.join('.')}: ${p.message}`);
}

const server = (fields: string): string => `{\n  "mcpServers": {\n    "web": {${fields}}\n  }\n}\n`;

describe('manifest validation', () => {
  it('accepts a standard mcpServers file with mcpx fields beside the standard ones', () => {
    const text = JSON.stringify({
      $schema: './schema.json',
      roles: {
        search: { primitives: ['tools', 'resources'], readOnlyTools: true, env: ['API_KEY'] },
      },
      mcpServers: {
        kit: { command: 'node', args: ['src/stdio.ts'], cwd: 'servers/kit', role: 'tools' },
        docs: {
          command: 'node',
          args: ['src/http.ts'],
          transport: 'http',
          role: 'search',
          replicas: 2,
        },
        memory: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-memory'] },
        remote: { url: 'https://example.com/mcp', headers: { Authorization: 'Bearer ${TOKEN}' } },
        claude: { type: 'http', url: 'http://127.0.0.1:9000/mcp' },
      },
    });
    expect(problems(text)).toEqual([]);
  });

  it('reports invalid JSON with line and column', () => {
    expect(
      problems('{\n  "mcpServers": {\n    "a": { "command": "x" }\n    "b": {}\n  }\n}'),
    ).toEqual(['4:5 : invalid JSON: expected ","']);
    expect(problems('{\n  "mcpServers": {},\n}')).toEqual([
      '3:1 : invalid JSON: expected a property name in double quotes',
    ]);
    expect(problems('{ // servers\n "mcpServers": {} }')[0]).toMatch(
      /^1:3 : invalid JSON: comments are not allowed/,
    );
    expect(problems('')).toEqual(['1:1 : invalid JSON: expected a value']);
  });

  it('reports a key given twice, which JSON.parse would silently drop', () => {
    expect(
      problems(
        '{\n  "mcpServers": {\n    "a": {"command": "x"},\n    "a": {"command": "y"}\n  }\n}',
      ),
    ).toEqual(['4:5 mcpServers.a: "a" appears twice in the same object; keep one']);
  });

  it('names an unknown field, suggests the near one, and lists the allowed ones', () => {
    const found = problems(server('"comand": "node"'));
    expect(found[0]).toBe(
      '3:12 mcpServers.web: a server needs either "command" (mcpx starts it) or "url" (it runs elsewhere)',
    );
    expect(found[1]).toMatch(
      /^3:13 mcpServers\.web\.comand: unknown field "comand"; did you mean "command"\? \(allowed: command, args/,
    );
    expect(problems('{"mcpServer": {}}').join('\n')).toMatch(
      /unknown field "mcpServer"; did you mean "mcpServers"/,
    );
  });

  it('says what was expected and what was found', () => {
    expect(problems(server('"command": 42'))).toEqual([
      '3:24 mcpServers.web.command: expected a string, found number 42',
    ]);
    expect(problems(server('"command": "x", "transport": "grpc"'))).toEqual([
      '3:42 mcpServers.web.transport: expected "stdio" or "http", found string "grpc"',
    ]);
    expect(problems(server('"command": "x", "replicas": 0'))).toEqual([
      '3:41 mcpServers.web.replicas: expected at least 1, found number 0',
    ]);
    expect(problems(server('"command": "x", "args": "--flag"'))).toEqual([
      '3:37 mcpServers.web.args: expected an array, found string "--flag"',
    ]);
    expect(problems(server('"url": "ftp://example.com"'))).toEqual([
      '3:20 mcpServers.web.url: expected an http:// or https:// URL, found string "ftp://example.com"',
    ]);
    expect(problems('{}')).toEqual(['1:1 mcpServers: missing; expected an object']);
  });

  it('checks how fields go together', () => {
    expect(problems(server(''))[0]).toContain('needs either "command" (mcpx starts it) or "url"');
    expect(problems(server('"command": "x", "url": "http://127.0.0.1/mcp"'))[0]).toContain(
      'either "command" or "url", not both',
    );
    expect(problems(server('"command": "x", "port": 3000'))[0]).toContain(
      '"port" applies only to an http server',
    );
    expect(
      problems(server('"command": "x", "transport": "http", "port": 3000, "replicas": 2'))[0],
    ).toContain('several replicas cannot share one fixed "port"');
    expect(problems(server('"url": "http://127.0.0.1/mcp", "replicas": 2'))[0]).toContain(
      '"replicas" applies only to a server mcpx starts',
    );
    expect(problems(server('"command": "x", "type": "stdio", "transport": "http"'))[0]).toContain(
      '"type" says stdio but "transport" says http',
    );
  });

  it('rejects unknown roles, invalid server names and redefined built-in roles', () => {
    expect(problems(server('"command": "x", "role": "tool"'))).toEqual([
      '3:37 mcpServers.web.role: unknown role "tool"; known roles: tools, resources, prompts',
    ]);
    expect(problems('{"mcpServers": {"Web__x": {"command": "x"}}}')).toEqual([
      '1:17 mcpServers.Web__x: invalid server name: it has uppercase letters',
    ]);
    expect(
      problems('{"roles": {"tools": {"primitives": ["prompts"]}}, "mcpServers": {}}')[0],
    ).toContain('"tools" is a built-in role and cannot be redefined');
    expect(
      problems(
        '{"roles": {"ro": {"primitives": ["prompts"], "template": "tools"}}, "mcpServers": {}}',
      )[0],
    ).toContain('template "tools" exposes tools, which this role does not allow');
  });

  it('throws one McpxError naming the file and every problem, with a hint', () => {
    const text = '{"mcpServers": {"a": {"comand": "x"}, "b": {"command": 1}}}';
    let caught: unknown;
    try {
      parseManifest(text, '/w/mcpx.json');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(McpxError);
    const error = caught as McpxError;
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/mcpx\.json has 3 problems:/);
    expect(error.message).toMatch(
      /mcpx\.json:1:23 {2}mcpServers\.a\.comand: unknown field "comand"/,
    );
    expect(error.message).toMatch(
      /mcpx\.json:1:56 {2}mcpServers\.b\.command: expected a string, found number 1/,
    );
    expect(error.hint).toContain('"$schema"');
  });
});

describe('manifest validation: the gateway', () => {
  const gateway = (fields: string): string =>
    `{\n  "gateway": {${fields}},\n  "mcpServers": {}\n}\n`;

  it('accepts the gateway section and per-server prefix and isolation', () => {
    const text = JSON.stringify({
      gateway: { port: 8080, host: 'localhost', auth: false, clientPrefix: 'mcp__dev__' },
      mcpServers: {
        toolkit: { command: 'node', gateway: { prefix: 'tk' }, isolation: 'session' },
        tk2: { command: 'node', gateway: { prefix: 'Text-Kit-2' }, isolation: 'shared' },
        remote: { url: 'https://example.com/mcp', gateway: { prefix: 'r' } },
      },
    });
    expect(problems(text)).toEqual([]);
  });

  it('refuses a host other machines reach without auth, naming the host', () => {
    for (const host of ['0.0.0.0', '192.168.1.20', '::', 'dev.example.com']) {
      expect(problems(gateway(`"host": "${host}", "auth": false`))).toEqual([
        `2:${35 + host.length} gateway.auth: a gateway reachable from other machines needs its token: "host" is "${host}", which is not a loopback address; remove "auth": false (clients then send the token of .mcpx/gateway-token), or bind 127.0.0.1`,
      ]);
    }
    for (const host of ['127.0.0.1', '127.0.0.2', 'localhost', '::1']) {
      expect(problems(gateway(`"host": "${host}", "auth": false`))).toEqual([]);
    }
    expect(problems(gateway('"auth": false'))).toEqual([]);
    expect(problems(gateway('"host": "0.0.0.0", "auth": true'))).toEqual([]);
    expect(problems(gateway('"host": "0.0.0.0"'))).toEqual([]);
  });

  it('exits 2 with the file and line when auth is off on an exposed host', () => {
    let caught: unknown;
    try {
      parseManifest(gateway('"host": "0.0.0.0",\n    "auth": false'), '/w/mcpx.json');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(McpxError);
    expect((caught as McpxError).exitCode).toBe(2);
    expect((caught as McpxError).message).toMatch(
      /mcpx\.json:3:13 {2}gateway\.auth: a gateway reachable from other machines needs its token/,
    );
  });

  it('checks the port, host and client prefix', () => {
    expect(problems(gateway('"port": 0'))).toEqual([
      '2:23 gateway.port: expected at least 1, found number 0',
    ]);
    expect(problems(gateway('"port": 70000'))).toEqual([
      '2:23 gateway.port: expected at most 65535, found number 70000',
    ]);
    expect(problems(gateway('"port": 80.5'))).toEqual([
      '2:23 gateway.port: expected an integer, found number 80.5',
    ]);
    expect(problems(gateway('"host": "127.0.0.1:7330"'))[0]).toMatch(
      /^2:23 gateway\.host: expected an IP address .* without brackets or a port$/,
    );
    expect(problems(gateway('"host": "[::1]"'))[0]).toMatch(/gateway\.host: expected an IP/);
    expect(problems(gateway('"clientPrefix": "mcp.x"'))).toEqual([
      '2:31 gateway.clientPrefix: expected letters, digits, "_" and "-", found string "mcp.x"',
    ]);
    expect(problems(gateway('"auth": "no"'))).toEqual([
      '2:23 gateway.auth: expected a boolean, found string "no"',
    ]);
    expect(problems(gateway('"prot": 1'))[0]).toMatch(
      /gateway\.prot: unknown field "prot"; did you mean "port"\? \(allowed: port, host, auth, clientPrefix\)/,
    );
  });

  it('checks a server prefix: its characters, and no "__"', () => {
    expect(problems(server('"command": "x", "gateway": {"prefix": "my_kit"}'))).toEqual([
      '3:51 mcpServers.web.gateway.prefix: expected letters, digits and "-" (no "_", so "__" stays the separator), found string "my_kit"',
    ]);
    expect(problems(server('"command": "x", "gateway": {"prefix": "a__b"}'))[0]).toContain(
      'mcpServers.web.gateway.prefix: expected letters, digits and "-"',
    );
    expect(problems(server('"command": "x", "gateway": {"prefix": ""}'))[0]).toContain(
      'mcpServers.web.gateway.prefix: expected at least 1 characters',
    );
    expect(problems(server('"command": "x", "gateway": {"prefx": "w"}'))[0]).toContain(
      'unknown field "prefx"; did you mean "prefix"? (allowed: prefix)',
    );
  });

  it('names both servers that share a prefix, given or defaulted', () => {
    const text = JSON.stringify(
      {
        mcpServers: {
          tk: { command: 'x' },
          toolkit: { command: 'x', gateway: { prefix: 'tk' } },
          a: { command: 'x', gateway: { prefix: 'same' } },
          b: { command: 'x', gateway: { prefix: 'same' } },
          // Its name is taken as a prefix by nobody: its own prefix counts, not its name.
          same2: { command: 'x', gateway: { prefix: 'other' } },
          other2: { command: 'x', gateway: { prefix: 'same2' } },
        },
      },
      null,
      2,
    );
    expect(problems(text)).toEqual([
      '9:19 mcpServers.toolkit.gateway.prefix: servers "tk" and "toolkit" both have the gateway prefix "tk"; give one of them another "gateway": {"prefix": ...}',
      '21:19 mcpServers.b.gateway.prefix: servers "a" and "b" both have the gateway prefix "same"; give one of them another "gateway": {"prefix": ...}',
    ]);
  });

  it('refuses a prefix that leaves no room for a tool name under the client prefix', () => {
    const clientPrefix = 'c'.repeat(50);
    const text = JSON.stringify({
      gateway: { clientPrefix },
      mcpServers: {
        'fits-in': { command: 'x', gateway: { prefix: 'p'.repeat(11) } },
        long: { command: 'x', gateway: { prefix: 'q'.repeat(12) } },
      },
    });
    expect(problems(text).map((p) => p.replace(/^\S+ /, ''))).toEqual([
      `mcpServers.long.gateway.prefix: "${clientPrefix}${'q'.repeat(12)}__" leaves no room for a tool name within 64 characters; set a shorter "gateway": {"prefix": ...}`,
    ]);
  });

  it('checks isolation, and that "session" has instances of its own to give', () => {
    expect(problems(server('"command": "x", "isolation": "client"'))).toEqual([
      '3:42 mcpServers.web.isolation: expected "shared" or "session", found string "client"',
    ]);
    expect(problems(server('"url": "http://127.0.0.1/mcp", "isolation": "session"'))).toEqual([
      '3:57 mcpServers.web.isolation: "session" starts an instance per client session, so it needs a server mcpx starts with "command"; this one has "url"',
    ]);
    expect(
      problems(
        server('"command": "x", "transport": "http", "port": 3000, "isolation": "session"'),
      )[0],
    ).toContain('the instances of "isolation": "session" cannot share one fixed "port"');
  });
});
