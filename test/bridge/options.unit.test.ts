import { describe, expect, it } from 'vitest';
import {
  accessFromEnv,
  hostAllowed,
  originAllowed,
  parseListen,
} from '../../src/bridge/options.js';
import { isMcpxError } from '../../src/errors.js';

describe('mcpx bridge options', () => {
  it.each([
    ['0.0.0.0:8080', { host: '0.0.0.0', port: 8080 }],
    [':8080', { host: '0.0.0.0', port: 8080 }],
    ['8080', { host: '0.0.0.0', port: 8080 }],
    ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
    ['[::1]:3000', { host: '::1', port: 3000 }],
    ['localhost:3000', { host: 'localhost', port: 3000 }],
  ])('--http %s', (text, expected) => {
    expect(parseListen(text)).toEqual(expected);
  });

  it.each(['localhost:99999', 'http://x:80', 'x:', '', 'a:b:80', ':-1'])(
    '--http %s is refused with exit 2',
    (text) => {
      let error: unknown;
      try {
        parseListen(text);
      } catch (caught) {
        error = caught;
      }
      expect(isMcpxError(error) && error.exitCode === 2).toBe(true);
    },
  );

  const options = {
    host: '0.0.0.0',
    port: 8080,
    ...accessFromEnv({ ALLOWED_HOSTS: 'docs, docs.default.svc.cluster.local' }),
  };
  it.each([
    ['127.0.0.1:8080', true],
    ['localhost', true],
    ['[::1]:8080', true],
    ['docs:8080', true],
    ['DOCS.default.svc.cluster.local:8080', true],
    ['docs.default.svc:8080', false],
    ['evil.example', false],
    [undefined, false],
    ['', false],
  ])('Host %s allowed: %s', (host, allowed) => {
    expect(hostAllowed(host, options)).toBe(allowed);
  });

  it.each([
    [undefined, true],
    ['http://localhost:6274', true],
    ['https://127.0.0.1', true],
    ['https://evil.example', false],
    ['null', false],
  ])('Origin %s allowed: %s', (origin, allowed) => {
    expect(originAllowed(origin, options)).toBe(allowed);
  });

  it.each(['http://docs', 'docs:8080', 'do cs', 'docs/x'])(
    'ALLOWED_HOSTS=%s is refused',
    (entry) => {
      expect(() => accessFromEnv({ ALLOWED_HOSTS: entry })).toThrow(/ALLOWED_HOSTS entries/);
    },
  );
});
