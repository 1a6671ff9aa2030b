// A log flood writer for bench/logs.js: writes FLOOD_LINES numbered lines ("line <n> <64 x>") to
// stderr as fast as the pipe takes them, then "DONE <n>". As an MCP stdio server (the default) it
// keeps serving afterwards, as a server under `mcpx dev` would; with FLOOD_STANDALONE=1 it is a
// plain process that exits after DONE (for `concurrently`, which is no MCP client).
const total = Number(process.env.FLOOD_LINES ?? 200_000);
const padding = 'x'.repeat(64);

async function flood() {
  for (let n = 1; n <= total; n++) {
    if (!process.stderr.write(`line ${n} ${padding}\n`)) {
      await new Promise((resolve) => process.stderr.once('drain', resolve));
    }
  }
  await new Promise((resolve) => process.stderr.write(`DONE ${total}\n`, resolve));
}

if (process.env.FLOOD_STANDALONE === '1') {
  await flood();
} else {
  const { McpServer } = await import('@modelcontextprotocol/sdk/server/mcp.js');
  const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js');
  const server = new McpServer({ name: 'flood', version: '1.0.0' });
  server.registerTool('noop', { description: 'Does nothing.' }, () => ({ content: [] }));
  await server.connect(new StdioServerTransport());
  process.stdin.on('end', () => process.exit(0));
  await flood();
}
