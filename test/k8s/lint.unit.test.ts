// mcpx's own lint of rendered objects: each rule, table-tested by breaking one thing in a set that
// passes, and asserting that exactly that rule (and no other) reports it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KubeObject, lintObjects, matches } from '../../src/k8s/lint.js';
import { planBase } from '../../src/k8s/plan.js';
import { loadWorkspace } from '../../src/manifest/load.js';
import { RICH_MANIFEST, k8sWorkspace, removeK8sWorkspaces } from '../helpers/k8s-workspace.js';

let base: { objects: KubeObject[]; secrets: KubeObject[] };
beforeAll(async () => {
  const dir = await k8sWorkspace(RICH_MANIFEST, ['servers/web_search']);
  const plan = planBase(
    await loadWorkspace(dir),
    { namespace: 'mcpx', registry: undefined, tag: 'dev' },
    (s) => s.name === 'web_search',
  );
  const json = (objects: { toJSON(): unknown }[]): KubeObject[] =>
    objects.map((o) => structuredClone(o.toJSON()) as KubeObject);
  base = {
    objects: json(plan.resources.flatMap((f) => f.objects)),
    secrets: json(plan.secrets.objects),
  };
});
afterAll(removeK8sWorkspaces);

function find(objects: KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && o.metadata?.name === name);
  if (found === undefined) throw new Error(`no ${kind}/${name} rendered`);
  return found;
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests break objects on purpose
type Any = any;
const container = (o: KubeObject): Any => o.spec.template.spec.containers[0];

const cases: {
  rule: string;
  what: string;
  object: string;
  breakIt: (objects: KubeObject[], secrets: KubeObject[]) => void;
}[] = [
  {
    rule: 'name',
    what: 'a Deployment name with "_"',
    object: 'Deployment/Bad_Name',
    breakIt: (o) => void (find(o, 'Deployment', 'plain').metadata!.name = 'Bad_Name'),
  },
  {
    rule: 'name',
    what: 'a Service name starting with a digit (DNS-1035)',
    object: 'Service/2fa',
    breakIt: (o) => void (find(o, 'Service', 's-2fa').metadata!.name = '2fa'),
  },
  {
    rule: 'labels',
    what: 'a label value with a space',
    object: 'Deployment/plain',
    breakIt: (o) =>
      void (find(o, 'Deployment', 'plain').metadata!.labels!['mcpx.dev/server'] = 'bad value'),
  },
  {
    rule: 'labels',
    what: 'a label value over 63 characters',
    object: 'Service/plain',
    breakIt: (o) =>
      void (find(o, 'Service', 'plain').metadata!.labels!['mcpx.dev/server'] = 'a'.repeat(64)),
  },
  {
    rule: 'selector',
    what: 'a Deployment selector its pod template does not match',
    object: 'Deployment/plain',
    breakIt: (o) =>
      void (find(o, 'Deployment', 'plain').spec.selector.matchLabels['app.kubernetes.io/name'] =
        'other'),
  },
  {
    rule: 'selector',
    what: 'a PodDisruptionBudget selecting no Deployment',
    object: 'PodDisruptionBudget/plain',
    breakIt: (o) =>
      void (find(o, 'PodDisruptionBudget', 'plain').spec.selector.matchLabels[
        'app.kubernetes.io/name'
      ] = 'gone'),
  },
  {
    rule: 'service-selector',
    what: 'a Service selecting every Deployment',
    object: 'Service/plain',
    breakIt: (o) =>
      void (find(o, 'Service', 'plain').spec.selector = { 'app.kubernetes.io/part-of': 'mcpx' }),
  },
  {
    rule: 'ports',
    what: 'a port name over 15 characters',
    object: 'Deployment/plain',
    breakIt: (o) =>
      void container(find(o, 'Deployment', 'plain')).ports.push({
        name: 'metrics-endpoint',
        containerPort: 9090,
      }),
  },
  {
    rule: 'ports',
    what: 'a port name used twice',
    object: 'Deployment/plain',
    breakIt: (o) =>
      void container(find(o, 'Deployment', 'plain')).ports.push({
        name: 'mcp',
        containerPort: 9091,
      }),
  },
  {
    rule: 'ports',
    what: 'containerPort 70000',
    object: 'Deployment/plain',
    breakIt: (o) =>
      void container(find(o, 'Deployment', 'plain')).ports.push({
        name: 'x',
        containerPort: 70000,
      }),
  },
  {
    rule: 'ports',
    what: 'a Service targetPort the pods do not declare',
    object: 'Service/plain',
    breakIt: (o) => void (find(o, 'Service', 'plain').spec.ports[0].targetPort = 'http'),
  },
  {
    rule: 'probe-ports',
    what: 'an HTTP probe on a port the container does not declare',
    object: 'Deployment/web-search',
    breakIt: (o) =>
      void (container(find(o, 'Deployment', 'web-search')).readinessProbe.httpGet.port = 'http'),
  },
  {
    rule: 'probe-ports',
    what: 'a TCP probe on a port the container does not declare',
    object: 'Deployment/py',
    breakIt: (o) =>
      void (container(find(o, 'Deployment', 'py')).livenessProbe.tcpSocket.port = 8081),
  },
  {
    rule: 'hpa',
    what: 'a Deployment with replicas under an HPA',
    object: 'HorizontalPodAutoscaler/web-search',
    breakIt: (o) => void (find(o, 'Deployment', 'web-search').spec.replicas = 2),
  },
  {
    rule: 'hpa',
    what: 'an HPA whose target is not rendered',
    object: 'HorizontalPodAutoscaler/web-search',
    breakIt: (o) =>
      void (find(o, 'HorizontalPodAutoscaler', 'web-search').spec.scaleTargetRef.name = 'nope'),
  },
  {
    rule: 'network-policy',
    what: 'a NetworkPolicy selecting no rendered pod',
    object: 'NetworkPolicy/mcpx-role-search',
    breakIt: (o) =>
      void (find(o, 'NetworkPolicy', 'mcpx-role-search').spec.podSelector.matchLabels[
        'mcpx.dev/role'
      ] = 'nobody'),
  },
  {
    rule: 'network-policy',
    what: 'server ingress from anywhere but the gateway',
    object: 'NetworkPolicy/mcpx-role-tools',
    breakIt: (o) =>
      void find(o, 'NetworkPolicy', 'mcpx-role-tools').spec.ingress[0].from.push({
        ipBlock: { cidr: '0.0.0.0/0' },
      }),
  },
  {
    rule: 'secret-keys',
    what: 'a Secret key that secrets.example.yaml does not list',
    object: 'Deployment/web-search',
    breakIt: (_, s) => void delete find(s, 'Secret', 'mcpx-role-search').stringData!.SEARCH_URL,
  },
  {
    rule: 'secret-keys',
    what: "a gateway header variable that the gateway's Secret does not list",
    object: 'Deployment/mcpx-gateway',
    breakIt: (_, s) => void delete find(s, 'Secret', 'mcpx-gateway').stringData!.REMOTE_TOKEN,
  },
  {
    rule: 'unique',
    what: 'the same object twice',
    object: 'NetworkPolicy/mcpx-no-role',
    breakIt: (o) => void o.push(structuredClone(find(o, 'NetworkPolicy', 'mcpx-no-role'))),
  },
  {
    rule: 'volumes',
    what: 'a ConfigMap volume that is not rendered',
    object: 'Deployment/mcpx-gateway',
    breakIt: (o) =>
      void (find(o, 'Deployment', 'mcpx-gateway').spec.template.spec.volumes[1].configMap.name =
        'gone'),
  },
];

describe('lintObjects', () => {
  it('finds nothing in what mcpx renders', () => {
    expect(lintObjects(base.objects, base.secrets)).toEqual([]);
  });

  it.each(cases)('$rule: $what', ({ rule, object, breakIt }) => {
    const objects = structuredClone(base.objects);
    const secrets = structuredClone(base.secrets);
    breakIt(objects, secrets);
    const problems = lintObjects(objects, secrets);
    expect(problems.map((p) => [p.rule, p.object])).toEqual([[rule, object]]);
    expect(problems[0]?.message).not.toBe('');
  });
});

describe('matches', () => {
  it.each([
    [{ matchLabels: { a: '1' } }, { a: '1', b: '2' }, true],
    [{ matchLabels: { a: '1' } }, { a: '2' }, false],
    [{ matchExpressions: [{ key: 'r', operator: 'DoesNotExist' }] }, { a: '1' }, true],
    [{ matchExpressions: [{ key: 'r', operator: 'DoesNotExist' }] }, { r: 'x' }, false],
    [{ matchExpressions: [{ key: 'r', operator: 'In', values: ['x'] }] }, { r: 'x' }, true],
    [{}, { a: '1' }, false],
  ])('%j selects %j: %s', (selector, labels, expected) => {
    expect(matches(selector, labels)).toBe(expected);
  });
});
