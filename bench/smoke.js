// `mcpx smoke` on examples/ beside the least a CI script could do: a bare SDK client that starts
// each of the same servers, initializes and lists it, and stops it (no checks), in the same run.
//   npm run build && node bench/smoke.js [rounds]
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, REPO, freePort, median, sleep } from './lib/workspace.js';

const rounds = Number(process.argv[2] ?? 5);
const examples = join(REPO, 'examples');
const manifest = JSON.parse(readFileSync(join(examples, 'mcpx.json'), 'utf8'));

async function bareServer(entry) {
  const cwd = join(examples, entry.cwd);
  const client = new Client({ name: 'bench', version: '0' });
  if (entry.transport === 'http') {
    const port = await freePort();
    const child = spawn(process.execPath, entry.args, {
      cwd,
      env: { ...process.env, PORT: String(port) },
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    for (;;) {
      try {
        await client.connect(
          new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)),
        );
        break;
      } catch {
        await sleep(10);
      }
    }
    await client.listResources();
    await client.close();
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  } else {
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: entry.args,
        cwd,
        stderr: 'ignore',
      }),
    );
    await client.listTools().catch(() => client.listPrompts());
    await client.close();
  }
}

async function bare() {
  const started = performance.now();
  await Promise.all(Object.values(manifest.mcpServers).map(bareServer));
  return performance.now() - started;
}

function smoke() {
  const started = performance.now();
  const result = spawnSync(process.execPath, [BIN, 'smoke', '--dir', examples], {
    env: { ...process.env, NO_COLOR: '1' },
  });
  if (result.status !== 0) throw new Error(`mcpx smoke failed:\n${result.stdout}`);
  return performance.now() - started;
}

const bareMs = [];
const smokeMs = [];
for (let i = 0; i < rounds; i++) {
  bareMs.push(await bare());
  smokeMs.push(smoke());
}
const b = median(bareMs);
const s = median(smokeMs);
console.log(
  `smoke on examples/ (${Object.keys(manifest.mcpServers).length} servers), median of ${rounds}, node ${process.version}`,
);
console.log(
  `bare SDK script: start, initialize, list, stop   ${b.toFixed(0).padStart(6)} ms   1.00x`,
);
console.log(
  `mcpx smoke (9 checks per server, CLI start included) ${s.toFixed(0).padStart(6)} ms   ${(s / b).toFixed(2)}x`,
);
