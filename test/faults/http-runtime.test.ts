/**
 * The HTTP host of a scaffolded server under hostile or unlucky conditions, as a real process:
 * `mcpx init` + `mcpx new server docs --transport http`, then `node src/http.ts` with the settings
 * of the environment. A proxy's Host name, a primitive that fails to register, a client without
 * the token, more sessions than the cap, sessions left idle.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { INITIALIZE } from '../helpers/initialize.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpx } from '../helpers/cli.js';
import { waitForExit } from '../helpers/processes.js';
import { until } from '../helpers/until.js';
import { initWorkspace, linkNodeModules } from '../helpers/workspace.js';

const CLUSTER_HOST = 'docs.default.svc.cluster.local';

let base: string;
let server: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  const made = await initWorkspace('mcpx-http-runtime-');
  base = made.base;
  const created = await mcpx(
    ['new', 'server', 'docs', '-r', 'resources', '-t', 'http', '--no-install'],
    { cwd: made.ws },
  );
  expect(created.exitCode, created.stderr).toBe(0);
  await linkNodeModules(made.ws);
  server = join(made.ws, 'servers', 'docs');
}, 60_000);

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (child.pid !== undefined) await waitForExit(child.pid, 10_000);
  }
  await rm(base, { recursive: true, force: true });
});

interface Running {
  child: ChildProcess;
  base: string;
  port: number;
  stderr: string[];
}

/** Starts the scaffolded server's HTTP entry with `env`; resolves once it listens. */
async function start(env: Record<string, string> = {}): Promise<Running> {
  const child = spawn(process.execPath, ['src/http.ts'], {
    cwd: server,
    env: { PATH: process.env.PATH, PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  const stderr: string[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stderr! });
    lines.on('line', (line) => {
      stderr.push(line);
      const match = /^INFO listening on http:\/\/127\.0\.0\.1:(\d+)\/mcp$/.exec(line);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}:\n${stderr.join('\n')}`)));
  });
  return { child, base: `http://127.0.0.1:${port}`, port, stderr };
}

async function stop(running: Running): Promise<void> {
  running.child.kill('SIGTERM');
  expect(await waitForExit(running.child.pid!, 10_000)).toBe(true);
}

/** A raw request with a chosen Host header (fetch does not let a caller set one). */
function withHost(
  port: number,
  host: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: body === undefined ? 'GET' : 'POST',
        headers: {
          host,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

function initialize(base: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}/mcp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: JSON.stringify(INITIALIZE),
  });
}

async function sessions(base: string): Promise<number> {
  return ((await (await fetch(`${base}/healthz`)).json()) as { sessions: number }).sessions;
}

describe('ALLOWED_HOSTS', () => {
  it(`accepts Host: ${CLUSTER_HOST} when it names it, and refuses it otherwise`, async () => {
    const listed = await start({ ALLOWED_HOSTS: `proxy.example, ${CLUSTER_HOST}` });
    const plain = await start();
    try {
      expect((await withHost(listed.port, CLUSTER_HOST, '/healthz')).status).toBe(200);
      // A Service answers on its own port: the name counts, not the port.
      const init = await withHost(listed.port, `${CLUSTER_HOST}:80`, '/mcp', INITIALIZE);
      expect(init.status, init.body).toBe(200);
      expect(init.body).toContain('"protocolVersion"');
      expect((await withHost(listed.port, 'evil.example', '/healthz')).status).toBe(403);

      const refused = await withHost(plain.port, CLUSTER_HOST, '/mcp', INITIALIZE);
      expect(refused.status).toBe(403);
      expect(JSON.parse(refused.body)).toMatchObject({ error: { message: /Invalid Host/ } });
    } finally {
      await stop(listed);
      await stop(plain);
    }
  });

  it('refuses to start with an entry that is not a host name', async () => {
    await expect(start({ ALLOWED_HOSTS: 'https://docs.example' })).rejects.toThrow(
      /ALLOWED_HOSTS entries must be host names without a scheme or port/,
    );
  });
});

describe('/readyz', () => {
  it('answers 200 with what an in-memory client lists, 503 with the reason when a primitive fails to register', async () => {
    const ok = await start();
    try {
      const ready = await fetch(`${ok.base}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({
        status: 'ready',
        name: 'docs',
        version: '0.1.0',
        // docs://index and the three documents of docs://{slug}, which lists them.
        resources: 4,
        resourceTemplates: 1,
      });
    } finally {
      await stop(ok);
    }

    // A second registration of the same resources: the McpServer refuses it when a session (or
    // the readiness check) creates a server, not when the process starts.
    const file = join(server, 'src/server.ts');
    const original = await readFile(file, 'utf8');
    await writeFile(
      file,
      original.replace('  // mcpx:register', '  registerResources(server);\n  // mcpx:register'),
    );
    try {
      const broken = await start();
      try {
        const health = await fetch(`${broken.base}/healthz`);
        expect(health.status).toBe(200);
        await health.body?.cancel();
        const ready = await fetch(`${broken.base}/readyz`);
        expect(ready.status).toBe(503);
        expect(await ready.json()).toMatchObject({
          status: 'unavailable',
          reason: expect.stringMatching(/^createServer\(\) failed: .*already registered/),
        });
      } finally {
        await stop(broken);
      }
    } finally {
      await writeFile(file, original);
    }
  });
});

describe('MCP_AUTH_TOKEN', () => {
  it('answers 401 without the bearer token, serves a client that sends it', async () => {
    const running = await start({ MCP_AUTH_TOKEN: 'correct-horse' });
    try {
      const attempts: Record<string, string>[] = [
        {},
        { authorization: 'Bearer wrong' },
        { authorization: 'correct-horse' },
      ];
      for (const headers of attempts) {
        const response = await initialize(running.base, headers);
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe('Bearer');
        expect(await response.json()).toMatchObject({ error: { message: /MCP_AUTH_TOKEN/ } });
      }
      expect(await sessions(running.base)).toBe(0);

      const client = new Client({ name: 'http-runtime-test', version: '0.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${running.base}/mcp`), {
          requestInit: { headers: { Authorization: 'Bearer correct-horse' } },
        }),
      );
      try {
        expect((await client.listResources()).resources).toHaveLength(4);
      } finally {
        await client.close();
      }
    } finally {
      await stop(running);
    }
  });
});

describe('sessions', () => {
  it('answers 503 past MAX_SESSIONS, and takes a new one once one ended', async () => {
    const running = await start({ MAX_SESSIONS: '2' });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 2; i++) {
        const response = await initialize(running.base);
        expect(response.status).toBe(200);
        ids.push(response.headers.get('mcp-session-id') ?? '');
        await response.body?.cancel();
      }
      const refused = await initialize(running.base);
      expect(refused.status).toBe(503);
      expect(await refused.json()).toMatchObject({
        error: { message: /^Too many sessions: this server keeps at most 2 open \(MAX_SESSIONS\)/ },
      });
      const ready = await fetch(`${running.base}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ reason: /no room for a new session/ });

      const ended = await fetch(`${running.base}/mcp`, {
        method: 'DELETE',
        headers: { 'mcp-session-id': ids[0] ?? '' },
      });
      expect(ended.status).toBe(200);
      const again = await initialize(running.base);
      expect(again.status).toBe(200);
      await again.body?.cancel();
    } finally {
      await stop(running);
    }
  });

  it('ends a session idle for SESSION_IDLE_TIMEOUT_MS; its id then gets 404', async () => {
    const running = await start({ SESSION_IDLE_TIMEOUT_MS: '300' });
    try {
      const response = await initialize(running.base);
      expect(response.status).toBe(200);
      const id = response.headers.get('mcp-session-id') ?? '';
      await response.body?.cancel();
      expect(await sessions(running.base)).toBe(1);
      let open = 1;
      await until(
        'the idle session to expire',
        () => open === 0,
        { timeoutMs: 10_000 },
        async () => {
          open = await sessions(running.base);
        },
      );
      expect(running.stderr.join('\n')).toMatch(
        new RegExp(`^INFO session ${id} expired after 300 ms without a request$`, 'm'),
      );
      const stale = await fetch(`${running.base}/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-session-id': id,
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'resources/list' }),
      });
      expect(stale.status).toBe(404);
      await stale.body?.cancel();
    } finally {
      await stop(running);
    }
  });
});
