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
