// `mcpx call` and `mcpx tools` in-process (oclif's parser, our error policy): they find the gateway
// through a real ControlServer whose snapshot names a stand-in gateway on a real port
// (test/helpers/gateway-stand-in.ts), and speak MCP to it with the SDK Client and the token.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Call from '../../src/commands/call.js';
import Tools from '../../src/commands/tools.js';
import { ControlServer } from '../../src/control/server.js';
import { McpxError } from '../../src/errors.js';
import type { ClusterSnapshot } from '../../src/supervisor/state.js';
import { type StandIn, startStandIn } from '../helpers/gateway-stand-in.js';
import { freePort } from '../helpers/ports.js';
import { runCommand } from '../helpers/run-command.js';
import { CLUSTER } from '../control/cluster.js';

const TOKEN = 'call-test-token-0123456789abcdefghijklmnopqrstuvw';
let ws: string;
let control: ControlServer | undefined;
let gateway: StandIn | undefined;

beforeEach(async () => {
  ws = await mkdtemp(join(tmpdir(), 'mcpx-call-'));
  await writeFile(join(ws, 'mcpx.json'), '{ "mcpServers": {} }\n');
  await mkdir(join(ws, '.mcpx'), { mode: 0o700 });
  await writeFile(join(ws, '.mcpx', 'gateway-token'), `${TOKEN}\n`, { mode: 0o600 });
  process.exitCode = undefined;
});

afterEach(async () => {
  process.exitCode = undefined;
  await control?.close();
  control = undefined;
  await gateway?.stop();
  gateway = undefined;
  await rm(ws, { recursive: true, force: true });
});

/** mcpx dev as the commands see it: the control socket, and a gateway unless `withGateway` is false. */
async function cluster(withGateway = true): Promise<void> {
  let snapshot: ClusterSnapshot = { ...CLUSTER, root: ws, gateway: undefined };
  if (withGateway) {
    gateway = await startStandIn({ port: await freePort(), token: TOKEN });
    snapshot = {
      ...snapshot,
      gateway: {
        url: gateway.url,
        auth: true,
        sessions: 0,
        counts: { tools: 5, resources: 0, prompts: 0 },
      },
    };
  }
  control = await ControlServer.listen(ws, {
    status: () => snapshot,
    restart: () => Promise.reject(new McpxError('not in this test')),
  });
}

describe('mcpx call', () => {
  it('prints the text of the result and exits 0', async () => {
    await cluster();
    const { exitCode, stdout, stderr } = await runCommand(Call, [
      'kit__echo',
      'text=hello',
      '--dir',
      ws,
    ]);
    expect({ exitCode, stderr }).toEqual({ exitCode: 0, stderr: '' });
    expect(stdout).toBe('run 1: hello\n');
    expect(process.exitCode).toBeUndefined();
    // It ended its session rather than leaving it to the gateway to expire.
    expect(gateway?.deletes).toBe(1);
  });

  it('takes --args JSON and key=value pairs, values as JSON when they parse, and prints structuredContent', async () => {
    await cluster();
    const { exitCode, stdout } = await runCommand(Call, [
      'kit__args',
      '--args',
      '{"a":1,"b":"x"}',
      'b=2',
      'c=Paris',
      'd=["x",true]',
      'e="3"',
      'f=a=b',
      '--dir',
      ws,
    ]);
    expect(exitCode).toBe(0);
    expect(stdout).toBe(
      `arguments:\n${JSON.stringify({ a: 1, b: 2, c: 'Paris', d: ['x', true], e: '3', f: 'a=b' }, null, 2)}\n`,
    );
  });

  it('prints a result with isError to stderr and exits 1', async () => {
    await cluster();
    const { exitCode, stdout, stderr } = await runCommand(Call, ['kit__fail', '--dir', ws]);
    expect(exitCode).toBe(0);
    expect(process.exitCode).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe('the disk is on fire\n');
  });

  it('--json prints the whole result', async () => {
    await cluster();
    const { stdout } = await runCommand(Call, ['kit__echo', 'text=x', '--json', '--dir', ws]);
    expect(JSON.parse(stdout)).toEqual({ content: [{ type: 'text', text: 'run 1: x' }] });
  });

  it('explains an unknown tool with the closest names, exit 2', async () => {
    await cluster();
    // A known server's unknown tool: the server's tool error, told apart by the list.
    const typo = await runCommand(Call, ['kit__ecko', '--dir', ws]);
    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toBe(
      'Error: The gateway has no tool "kit__ecko" (Tool ecko not found).\n' +
        'Try: did you mean `kit__echo`? `mcpx tools` lists them all\n',
    );
    // An unknown prefix: the gateway's -32602.
    const bare = await runCommand(Call, ['echo', '--dir', ws]);
    expect(bare.exitCode).toBe(2);
    expect(bare.stderr).toContain(
      'Error: The gateway has no tool "echo" (-32602: Unknown tool: echo).',
    );
    expect(bare.stderr).toContain('Try: did you mean `kit__echo` or `docs__echo`?');
    expect(process.exitCode).toBeUndefined();
  });

  it('keeps the tool error of a server that is down (nothing of it listed), exit 1', async () => {
    await cluster();
    const { exitCode, stderr } = await runCommand(Call, ['down__echo', '--dir', ws]);
    expect(exitCode).toBe(0);
    expect(process.exitCode).toBe(1);
    expect(stderr).toBe('down is crashed: exited with code 1\n');
  });

  it('refuses bad --args and pairs that are not key=value, exit 2, before calling anything', async () => {
    await cluster();
    const json = await runCommand(Call, ['kit__echo', '--args', '{"text":', '--dir', ws]);
    expect(json.exitCode).toBe(2);
    expect(json.stderr).toMatch(
      /^Error: --args is not valid JSON: .+\nTry: pass a JSON object in single quotes/,
    );
    const array = await runCommand(Call, ['kit__echo', '--args', '[1]', '--dir', ws]);
    expect(array.stderr).toContain(
      "--args must be a JSON object of the tool's arguments; it is an array.",
    );
    const pair = await runCommand(Call, ['kit__echo', 'text', '--dir', ws]);
    expect(pair.exitCode).toBe(2);
    expect(pair.stderr).toContain('Argument 2 of `mcpx call`, "text", is not key=value.');
    expect(gateway?.sessions).toBe(0);
  });

  it('says mcpx dev is not running, exit 4', async () => {
    const { exitCode, stderr } = await runCommand(Call, ['kit__echo', '--dir', ws]);
    expect(exitCode).toBe(4);
    expect(stderr).toBe(
      `Error: mcpx dev is not running in ${ws}.\nTry: start it with \`mcpx dev\`\n`,
    );
  });

  it('says the gateway is off, exit 4', async () => {
    await cluster(false);
    const { exitCode, stderr } = await runCommand(Call, ['kit__echo', '--dir', ws]);
    expect(exitCode).toBe(4);
    expect(stderr).toContain(`Error: mcpx dev in ${ws} runs without its gateway (--no-gateway).`);
  });

  it('says the token was refused, exit 4', async () => {
    await cluster();
    await writeFile(join(ws, '.mcpx', 'gateway-token'), `${'w'.repeat(43)}\n`);
    const { exitCode, stderr } = await runCommand(Call, ['kit__echo', '--dir', ws]);
    expect(exitCode).toBe(4);
    expect(stderr).toContain('the gateway refused the token of .mcpx/gateway-token (401)');
  });
});

describe('mcpx tools', () => {
  it('lists the tools grouped by server, first line of each description', async () => {
    await cluster();
    const { exitCode, stdout } = await runCommand(Tools, ['--dir', ws]);
    expect(exitCode).toBe(0);
    expect(stdout).toBe(
      [
        'kit',
        '  kit__echo   Says the text back, with the run that answered.',
        '  kit__hang   Never answers.',
        '  kit__fail   A tool error.',
        '  kit__args   Returns its arguments as structured content.',
        '',
        'docs',
        '  docs__echo  The same name on another server.',
        '',
      ].join('\n'),
    );
  });

  it('--json prints the tools/list result', async () => {
    await cluster();
    const { stdout } = await runCommand(Tools, ['--json', '--dir', ws]);
    const result = JSON.parse(stdout) as { tools: { name: string; inputSchema: unknown }[] };
    expect(result.tools.map((t) => t.name)).toEqual([
      'kit__echo',
      'kit__hang',
      'kit__fail',
      'kit__args',
      'docs__echo',
    ]);
    expect(result.tools[0]?.inputSchema).toEqual({
      type: 'object',
      properties: { text: { type: 'string' } },
    });
  });

  it('--server asks the aggregate for those servers, and refuses one the cluster lacks', async () => {
    await cluster();
    const { exitCode } = await runCommand(Tools, ['--server', 'text-kit,docs', '--dir', ws]);
    expect(exitCode).toBe(0);
    expect(gateway?.paths).toContain('/mcp?servers=text-kit%2Cdocs');
    const unknown = await runCommand(Tools, ['--server', 'dcos', '--dir', ws]);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain(
      `Error: The cluster of mcpx dev in ${ws} has no server "dcos".`,
    );
    expect(unknown.stderr).toContain(
      'Try: did you mean "docs"? its servers: text-kit, docs, writing',
    );
  });
});
