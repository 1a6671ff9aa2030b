import { describe, expect, it } from 'vitest';
import { hostProblem, isLoopbackHost, nameRoom } from '../../src/manifest/gateway.js';

describe('isLoopbackHost', () => {
  it.each([
    '127.0.0.1',
    '127.255.0.9',
    '::1',
    '0:0:0:0:0:0:0:1',
    '::ffff:127.0.0.1',
    'localhost',
    'LocalHost',
  ])('%s is loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });
  it.each([
    '0.0.0.0',
    '::',
    '10.0.0.1',
    '128.0.0.1',
    '::2',
    'example.com',
    'localhost.example.com',
  ])('%s is not', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});

describe('hostProblem', () => {
  it('accepts addresses and host names', () => {
    for (const host of ['127.0.0.1', '::1', 'fe80::1', 'localhost', 'dev-box.lan', 'a.b.c']) {
      expect(hostProblem(host)).toBeUndefined();
    }
  });
  it('refuses ports, brackets, URLs and empty labels', () => {
    for (const host of ['', '127.0.0.1:80', '[::1]', 'http://x', 'a..b', '-a.b', 'a b']) {
      expect(hostProblem(host)).toMatch(/expected an IP address/);
    }
  });
});

describe('nameRoom', () => {
  it('is what is left of 64 after the client prefix, the server prefix and "__"', () => {
    expect(nameRoom('mcp__mcpx__', 'weather')).toBe(64 - 11 - 7 - 2);
    expect(nameRoom('', 'p')).toBe(61);
  });
});
