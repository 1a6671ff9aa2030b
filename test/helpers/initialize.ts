/** An MCP `initialize` request as a raw JSON-RPC message, for tests that speak HTTP or stdio by hand. */
export const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 'mcpx-test', version: '0.0.0' },
  },
};
