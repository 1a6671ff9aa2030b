// What a failed connection to a remote server is called: real fetches against 127.0.0.1.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { describeConnectError } from '../../src/server/connect-error.js';
import { freePort } from '../helpers/ports.js';

async function fetchError(url: string): Promise<unknown> {
  try {
    await fetch(url);
  } catch (error) {
    return error;
  }
  throw new Error(`${url} answered`);
}

describe('describeConnectError', () => {
  it('names a refused connection and where, instead of "fetch failed"', async () => {
    const url = `http://127.0.0.1:${await freePort()}/mcp`;
    const error = await fetchError(url);
    expect((error as Error).message).toBe('fetch failed');
    expect(describeConnectError(error, url)).toBe(`connection refused at ${new URL(url).host}`);
  });

  it('names a connection the server dropped', async () => {
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const url = `http://127.0.0.1:${port}/mcp`;
      expect(describeConnectError(await fetchError(url), url)).toMatch(
        new RegExp(`^connection reset by 127\\.0\\.0\\.1:${port}$`),
      );
    } finally {
      server.close();
    }
  });

  it('keeps the message of an error that is not about the network', () => {
    expect(describeConnectError(new Error('HTTP 401 Unauthorized'), 'http://x:1/')).toBe(
      'HTTP 401 Unauthorized',
    );
  });
});
