import { describe, expect, it } from 'vitest';
import { expandEnv, serverEnvironment } from '../../src/manifest/env.js';
import { resolveRoles } from '../../src/manifest/roles.js';

describe('serverEnvironment', () => {
  const parent = { PATH: '/bin', HOME: '/h', DB_PASSWORD: 'secret', API_KEY: 'k', REGION: 'eu' };

  it('gives a minimal environment, never the whole parent one', () => {
    expect(serverEnvironment({}, resolveRoles().get('tools'), parent)).toEqual({
      PATH: '/bin',
      HOME: '/h',
    });
  });

  it("passes where the machine's extra TLS certificates are, not proxy URLs", () => {
    const tls = {
      ...parent,
      NODE_EXTRA_CA_CERTS: '/etc/ssl/corp.pem',
      SSL_CERT_FILE: '/etc/ssl/certs/ca.pem',
      SSL_CERT_DIR: '/etc/ssl/certs',
      HTTPS_PROXY: 'http://user:pass@proxy:3128',
    };
    expect(serverEnvironment({}, resolveRoles().get('tools'), tls)).toEqual({
      PATH: '/bin',
      HOME: '/h',
      NODE_EXTRA_CA_CERTS: '/etc/ssl/corp.pem',
      SSL_CERT_FILE: '/etc/ssl/certs/ca.pem',
      SSL_CERT_DIR: '/etc/ssl/certs',
    });
  });

  it('adds what the role passes through and what the entry sets, with ${} expansion', () => {
    const role = resolveRoles({
      search: { primitives: ['tools'], env: ['API_KEY', 'MISSING'] },
    }).get('search');
    const env = serverEnvironment(
      { env: { REGION: '${REGION}', URL: 'https://${HOST:-localhost}/x', EMPTY: '${NOPE}' } },
      role,
      parent,
    );
    expect(env).toEqual({
      PATH: '/bin',
      HOME: '/h',
      API_KEY: 'k',
      REGION: 'eu',
      URL: 'https://localhost/x',
      EMPTY: '',
    });
    expect(env).not.toHaveProperty('DB_PASSWORD');
  });

  it('expands only ${NAME} forms', () => {
    expect(expandEnv('$REGION ${REGION} ${REGION:-x} ${UNSET:-d}', parent)).toBe('$REGION eu eu d');
  });
});
