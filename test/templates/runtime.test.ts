// The runtime every server shares (templates/packages/mcp-runtime) and the two entries, tested the way
// clients meet it: real child processes on Node 24, over stdio and over HTTP.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { INITIALIZE } from '../helpers/initialize.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const SERVERS = fileURLToPath(new URL('../../templates/servers/', import.meta.url));
const RUNTIME = fileURLToPath(new URL('../../templates/packages/mcp-runtime/', import.meta.url));

/** Every child a test starts, so that none outlives the run. */
const children = new Set<ChildProcess>();

/** Starts `node <entry>` in a server template, on the Node that runs the tests. */
function start(role: string, entry: string, env: Record<string, string> = {}): ChildProcess {
  const { ALLOWED_ORIGINS: _, ...inherited } = process.env;
  const child = spawn(process.execPath, [entry], {
    cwd: join(SERVERS, role),
    env: { ...inherited, LOG_LEVEL: 'info', ...env },
    stdio: 'pipe',
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Resolves with the exit code once `child` has exited, however long ago that was. */
function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Rejects after `ms`, so that a test fails with a message instead of hitting its timeout. */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The first line of `stream` matching `pattern`; the error names the lines seen before it ended. */
function lineMatching(stream: Readable, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const seen: string[] = [];
    const lines = createInterface({ input: stream });
    lines.on('line', (line) => {
      seen.push(line);
      const match = pattern.exec(line);
      if (match) {
        resolve(match);
        lines.close();
        // Keep draining, so that a chatty child never blocks on a full pipe.
        stream.resume();
      }
    });
    lines.on('close', () =>
      reject(new Error(`no line matched ${pattern} in:\n${seen.join('\n')}`)),
    );
  });
}

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

describe('shared runtime', () => {
  it('keeps console output off stdout', async () => {
    const guard = join(RUNTIME, 'src/stdout-guard.ts');
    const script = `await import(${JSON.stringify(guard)});
      console.log('log'); console.info('info'); console.debug('debug');
      console.table([1]); console.group('group'); console.groupEnd(); console.count();`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'pipe' });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    expect(await within(10_000, 'guard script', exited(child))).toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^log\ninfo\ndebug\n[\s\S]*group\ndefault: 1\n$/);
  });
});

describe('HTTP entry', () => {
  let child: ChildProcess;
  let port: number;
  let base: string;
  let stdout = '';

  beforeAll(async () => {
    child = start('tools', 'src/http.ts', { PORT: '0' });
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const [, bound] = await within(
      15_000,
      'listening line',
      lineMatching(child.stderr!, /^INFO listening on http:\/\/127\.0\.0\.1:(\d+)\/mcp$/),
    );
    port = Number(bound);
    base = `http://127.0.0.1:${port}`;
  });

  function post(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${base}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...headers,
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  }

  async function expectRpcError(response: Response, status: number, code: number): Promise<void> {
    expect(response.status).toBe(status);
    expect(await response.json()).toMatchObject({ jsonrpc: '2.0', error: { code }, id: null });
  }

  async function sessions(): Promise<number> {
    const body = (await (await fetch(`${base}/healthz`)).json()) as { sessions: number };
    return body.sessions;
  }

  it('serves an SDK client: list and call a tool, then end the session', async () => {
    const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp`));
    const client = new Client({ name: 'runtime-test', version: '0.0.0' });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toContain('count_words');
      const result = (await client.callTool({
        name: 'count_words',
        arguments: { text: 'one two three' },
      })) as CallToolResult;
      expect(result.structuredContent).toMatchObject({ words: 3 });
      expect(await sessions()).toBe(1);

      const sessionId = transport.sessionId;
      await transport.terminateSession();
      expect(await sessions()).toBe(0);
      // An ended session is unknown from now on: 404 tells the client to initialize again.
      const stale = await post(
        { jsonrpc: '2.0', id: 2, method: 'tools/list' },
        { 'mcp-session-id': sessionId ?? '' },
      );
      await expectRpcError(stale, 404, -32001);
    } finally {
      await client.close();
    }
  });

  it('answers /healthz', async () => {
    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ok',
      name: 'mcpx-template-tools',
      version: '0.1.0',
      sessions: 0,
    });
  });

  it('rejects a foreign Origin with 403 and accepts a localhost one', async () => {
    await expectRpcError(await post(INITIALIZE, { origin: 'http://evil.example' }), 403, -32000);
    const local = await post(INITIALIZE, { origin: 'http://localhost:6274' });
    expect(local.status).toBe(200);
    const sessionId = local.headers.get('mcp-session-id');
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    await local.body?.cancel();
    const ended = await fetch(`${base}/mcp`, {
      method: 'DELETE',
      headers: { 'mcp-session-id': sessionId ?? '' },
    });
    expect(ended.status).toBe(200);
  });

  it('rejects a foreign Host with 403', async () => {
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/healthz', headers: { host: `evil.example:${port}` } },
        (res) => {
          res.resume();
          resolve(res.statusCode);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
  });

  it('answers 404 for an unknown session, on POST, GET and DELETE', async () => {
    const unknown = { 'mcp-session-id': '00000000-0000-4000-8000-000000000000' };
    await expectRpcError(
      await post({ jsonrpc: '2.0', id: 2, method: 'tools/list' }, unknown),
      404,
      -32001,
    );
    for (const method of ['GET', 'DELETE']) {
      await expectRpcError(await fetch(`${base}/mcp`, { method, headers: unknown }), 404, -32001);
    }
  });

  it('answers 400 for a request without a session that is not initialize', async () => {
    await expectRpcError(await post({ jsonrpc: '2.0', id: 2, method: 'tools/list' }), 400, -32000);
    await expectRpcError(await fetch(`${base}/mcp`), 400, -32000);
  });

  it('answers 400 for invalid JSON, 413 for a body past 100 KB, 405 for other methods', async () => {
    await expectRpcError(await post('{"jsonrpc":'), 400, -32700);
    // The limit of the SDK's createMcpExpressApp (express.json()'s default).
    await expectRpcError(await post('x'.repeat(100 * 1024 + 1)), 413, -32000);
    // Without Content-Length the limit applies while reading.
    const chunk = new Uint8Array(32 * 1024).fill(0x20);
    const chunked = await fetch(`${base}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 5; i++) controller.enqueue(chunk);
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    await expectRpcError(chunked, 413, -32000);
    const put = await fetch(`${base}/mcp`, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST, DELETE');
    await put.body?.cancel();
  });

  it('writes nothing to stdout and exits 0 on SIGTERM', async () => {
    expect(process.kill(child.pid!, 'SIGTERM')).toBe(true);
    expect(await within(10_000, 'exit after SIGTERM', exited(child))).toBe(0);
    expect(stdout).toBe('');
  });

  it('exits when the process that started it dies', async () => {
    // A launcher starts the server with stdin on /dev/null, then dies without a word: only the
    // change of process.ppid tells the server. Its stderr is inherited, so the pipe stays open
    // until the server has exited.
    const launch = `require('node:child_process').spawn(process.execPath, ['src/http.ts'], {
      stdio: ['ignore', 'inherit', 'inherit'],
    }); setInterval(() => {}, 1000);`;
    const launcher = spawn(process.execPath, ['-e', launch], {
      cwd: join(SERVERS, 'tools'),
      env: { ...process.env, PORT: '0', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.add(launcher);
    let stderr = '';
    launcher.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await within(15_000, 'listening line', lineMatching(launcher.stderr, /listening on/));
    launcher.kill('SIGKILL');
    await within(5_000, 'server exit after its parent died', finished(launcher.stderr));
    expect(stderr).toMatch(/^INFO stopping \(parent process exited\)$/m);
  });

  it('exits when a parent closes its stdin', async () => {
    const other = start('tools', 'src/http.ts', { PORT: '0' });
    await within(15_000, 'listening line', lineMatching(other.stderr!, /listening on/));
    other.stdin?.end();
    expect(await within(10_000, 'exit after stdin closed', exited(other))).toBe(0);
  });
});

describe('stdio entry', () => {
  let client: Client | undefined;

  afterEach(async () => {
    await client?.close();
    client = undefined;
  });

  it('serves an SDK client that starts it: list prompts and get one', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['src/stdio.ts'],
      cwd: join(SERVERS, 'prompts'),
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    client = new Client({ name: 'runtime-test', version: '0.0.0' });
    await client.connect(transport);

    const { prompts } = await client.listPrompts();
    expect(prompts.map((prompt) => prompt.name)).toEqual(['summarize', 'review_code']);
    const prompt = await client.getPrompt({
      name: 'summarize',
      arguments: { text: 'Stdio works.', style: 'tldr' },
    });
    expect(prompt.messages).toHaveLength(2);
    expect(stderr).toMatch(/^INFO mcpx-template-prompts 0\.1\.0 ready on stdio$/m);
  });

  it('exits by itself when its stdin closes', async () => {
    const child = start('prompts', 'src/stdio.ts');
    await within(15_000, 'ready line', lineMatching(child.stderr!, /ready on stdio/));
    child.stdin?.end();
    expect(await within(5_000, 'exit after stdin closed', exited(child))).toBe(0);
  });

  it('answers requests still running when stdin closes, then exits', async () => {
    const child = start('resources', 'src/stdio.ts');
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    // Reading a resource is asynchronous: its answer is due after stdin has already ended.
    const read = {
      jsonrpc: '2.0',
      id: 2,
      method: 'resources/read',
      params: { uri: 'docs://index' },
    };
    child.stdin?.end(
      [INITIALIZE, { jsonrpc: '2.0', method: 'notifications/initialized' }, read]
        .map((message) => `${JSON.stringify(message)}\n`)
        .join(''),
    );
    expect(await within(5_000, 'exit after stdin closed', exited(child))).toBe(0);
    const ids = stdout
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { id: number }).id);
    expect(ids).toEqual([1, 2]);
  });

  it('writes only JSON-RPC messages to stdout', async () => {
    const child = start('tools', 'src/stdio.ts', { LOG_LEVEL: 'debug' });
    const lines: string[] = [];
    const lastResponse = new Promise<void>((resolve) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        lines.push(line);
        if (line.includes('"id":4')) resolve();
      });
    });
    const send = (message: object) => child.stdin!.write(`${JSON.stringify(message)}\n`);
    send(INITIALIZE);
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    // Debug logging makes the server log while it works: those logs must not reach stdout.
    send({ jsonrpc: '2.0', id: 2, method: 'logging/setLevel', params: { level: 'debug' } });
    send({ jsonrpc: '2.0', id: 3, method: 'tools/list' });
    send({
      jsonrpc: '2.0',
      id: 4,
      method: 'tools/call',
      params: { name: 'count_words', arguments: { text: 'a b' } },
    });
    await within(15_000, 'response to tools/call', lastResponse);
    child.stdin!.end();
    expect(await within(5_000, 'exit after stdin closed', exited(child))).toBe(0);

    // Every line is a JSON-RPC message: the responses, and the log notification of the call.
    const messages = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(messages.every((message) => message.jsonrpc === '2.0')).toBe(true);
    expect(messages.map((message) => message.id ?? message.method)).toEqual([
      1,
      2,
      3,
      'notifications/message',
      4,
    ]);
  });
});
