// The two checks mcpx gets from kubernetes-models before its own lint: tsc refuses fields that
// Kubernetes does not have (the @ts-expect-error lines fail the typecheck if it stops refusing
// them), and validate() refuses values the OpenAPI schema does not allow.
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { describe, expect, it } from 'vitest';

describe('typed Kubernetes objects', () => {
  it('tsc refuses an unknown field at any depth', () => {
    const make = (): Deployment[] => [
      // @ts-expect-error -- "replica" is not a DeploymentSpec field
      new Deployment({ spec: { replica: 2, selector: {}, template: {} } }),
      new Deployment({
        spec: {
          selector: {},
          template: {
            // @ts-expect-error -- "container" is not a PodSpec field (it is "containers")
            spec: { container: [{ name: 'x' }] },
          },
        },
      }),
    ];
    expect(make()).toHaveLength(2);
  });

  it.each([
    ['replicas as a string', { replicas: 'two', selector: {}, template: {} }],
    ['no selector', { template: {} }],
  ])('validate() refuses %s', (_, spec) => {
    const deployment = new Deployment({ metadata: { name: 'x' }, spec: spec as never });
    expect(() => deployment.validate()).toThrow();
  });

  it('validate() refuses a policy type Kubernetes does not know', () => {
    const policy = new NetworkPolicy({
      metadata: { name: 'x' },
      spec: { podSelector: {}, policyTypes: ['Sideways' as never] },
    });
    expect(() => policy.validate()).toThrow();
  });
});
