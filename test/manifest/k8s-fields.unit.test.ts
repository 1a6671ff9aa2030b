// The manifest fields mcpx k8s render reads: autoscaling "replicas" and a role's "egress".
import { describe, expect, it } from 'vitest';
import { manifestProblems } from '../../src/manifest/load.js';
import { parseEgress } from '../../src/manifest/roles.js';
import { replicaCount } from '../../src/manifest/schema.js';

function problems(manifest: object): string[] {
  const result = manifestProblems(JSON.stringify(manifest));
  return result.ok ? [] : result.problems.map((p) => `${p.path.join('.')}: ${p.message}`);
}

const withReplicas = (replicas: unknown): object => ({
  mcpServers: { web: { command: 'node', replicas } },
});
const withEgress = (egress: unknown): object => ({
  roles: { net: { primitives: ['tools'], egress } },
  mcpServers: { web: { command: 'node', role: 'net' } },
});

describe('replicas', () => {
  it('is a count or {min, max}; dev runs the count or the minimum', () => {
    expect(problems(withReplicas(3))).toEqual([]);
    expect(problems(withReplicas({ min: 2, max: 8 }))).toEqual([]);
    expect(replicaCount(3)).toBe(3);
    expect(replicaCount({ min: 2, max: 8 })).toBe(2);
    expect(replicaCount(undefined)).toBe(1);
  });

  it('refuses min above max, a missing bound and unknown fields', () => {
    expect(problems(withReplicas({ min: 5, max: 2 }))).toEqual([
      'mcpServers.web.replicas.max: "min" must not exceed "max"',
    ]);
    expect(problems(withReplicas({ min: 2 })).join('\n')).toMatch(/replicas/);
    expect(problems(withReplicas({ min: 1, max: 2, cpu: 70 })).join('\n')).toMatch(/replicas/);
  });

  it('a fixed port still refuses several replicas, autoscaled ones too', () => {
    const manifest = {
      mcpServers: {
        web: { command: 'node', transport: 'http', port: 4000, replicas: { min: 2, max: 4 } },
      },
    };
    expect(problems(manifest).join('\n')).toMatch(/several replicas cannot share one fixed "port"/);
  });
});

describe('role egress', () => {
  it('accepts IPv4 and IPv6 CIDRs with a port', () => {
    expect(problems(withEgress(['0.0.0.0/0:443', '10.0.0.0/8:5432', '2001:db8::/32:443']))).toEqual(
      [],
    );
    expect(parseEgress('2001:db8::/32:443')).toEqual({ cidr: '2001:db8::/32', port: 443 });
  });

  it.each([
    ['example.com:443', /a CIDR and a port/],
    ['10.0.0.0/8', /a CIDR and a port/],
    ['300.0.0.0/8:443', /"300.0.0.0" is not an IPv4 or IPv6 address/],
    ['10.0.0.0/33:443', /\/33 is too long a prefix for an IPv4 address/],
    ['10.0.0.0/8:70000', /port 70000 is not from 1 to 65535/],
  ])('refuses %s', (rule, message) => {
    expect(problems(withEgress([rule])).join('\n')).toMatch(message);
  });
});
