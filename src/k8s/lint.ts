/**
 * mcpx's own checks of the objects it renders: what the OpenAPI schemas cannot say (names,
 * references between objects, selectors), each a rule with a name that a problem carries.
 */

/** The parts of a Kubernetes object the rules read; objects are plain JSON here. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; labels?: Record<string, string> };
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- each rule reads its kind's shape
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export interface LintProblem {
  rule: string;
  /** `Kind/name` of the object at fault. */
  object: string;
  message: string;
}

interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const IANA_SVC_NAME = /^(?=.*[a-z])[a-z0-9]+(-[a-z0-9]+)*$/;

/** Kinds whose names become DNS labels (Service host names, pod name prefixes). */
const LABEL_NAMED = new Set(['Service', 'Namespace', 'Deployment']);

/** Every problem in `objects` (the kustomize resources) with `secrets` (secrets.example.yaml). */
export function lintObjects(
  objects: readonly KubeObject[],
  secrets: readonly KubeObject[],
): LintProblem[] {
  const problems: LintProblem[] = [];
  const report = (rule: string, object: KubeObject, message: string): void => {
    problems.push({ rule, object: idOf(object), message });
  };
  const deployments = objects.filter((o) => o.kind === 'Deployment');
  const seen = new Set<string>();
  for (const object of objects) {
    const id = idOf(object);
    if (seen.has(id)) report('unique', object, `${id} is written twice`);
    seen.add(id);
    checkName(object, report);
    checkLabels(object, report);
  }
  for (const deployment of deployments) checkDeployment(deployment, objects, report);
  for (const object of objects) {
    if (object.kind === 'Service') checkService(object, deployments, report);
    if (object.kind === 'PodDisruptionBudget') {
      const count = selected(object.spec?.selector, deployments).length;
      if (count !== 1)
        report('selector', object, `its selector matches ${count} Deployments' pods, not 1`);
    }
    if (object.kind === 'HorizontalPodAutoscaler') checkHpa(object, deployments, report);
    if (object.kind === 'NetworkPolicy') checkPolicy(object, deployments, report);
  }
  checkSecretKeys(deployments, secrets, report);
  return problems;
}

type Report = (rule: string, object: KubeObject, message: string) => void;

function idOf(object: KubeObject): string {
  return `${object.kind}/${object.metadata?.name ?? '(no name)'}`;
}

function checkName(object: KubeObject, report: Report): void {
  const name = object.metadata?.name ?? '';
  if (object.kind === 'Service' || object.kind === 'Namespace') {
    if (name.length > 63 || !DNS1035_LABEL.test(name))
      report(
        'name',
        object,
        `"${name}" is not a DNS-1035 label (a letter, then a-z, 0-9, "-"; at most 63)`,
      );
  } else if (LABEL_NAMED.has(object.kind)) {
    if (name.length > 63 || !DNS1123_LABEL.test(name))
      report('name', object, `"${name}" is not a DNS-1123 label (a-z, 0-9, "-"; at most 63)`);
  } else if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    report('name', object, `"${name}" is not a DNS-1123 subdomain`);
  }
}

function labelProblem(key: string, value: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix)))
    return `label key "${key}": its prefix is not a DNS-1123 subdomain`;
  if (name.length > 63 || !LABEL_NAME.test(name))
    return `label key "${key}": its name is not a label name (at most 63, alphanumeric at both ends)`;
  if (value !== '' && (value.length > 63 || !LABEL_NAME.test(value)))
    return `label ${key}="${value}": not a label value (at most 63, alphanumeric at both ends, inside "-_.")`;
  return undefined;
}

function checkLabels(object: KubeObject, report: Report): void {
  const sets = [
    object.metadata?.labels,
    object.spec?.template?.metadata?.labels,
    object.spec?.selector?.matchLabels,
    object.spec?.podSelector?.matchLabels,
  ];
  for (const labels of sets) {
    for (const [key, value] of Object.entries((labels ?? {}) as Record<string, string>)) {
      const problem = labelProblem(key, value);
      if (problem !== undefined) report('labels', object, problem);
    }
  }
}

/** Whether a label selector selects pods with `labels`; an empty or missing selector selects none here. */
export function matches(selector: Selector | undefined, labels: Record<string, string>): boolean {
  if (selector === undefined) return false;
  const exact = Object.entries(selector.matchLabels ?? {});
  const expressions = selector.matchExpressions ?? [];
  if (exact.length === 0 && expressions.length === 0) return false;
  return (
    exact.every(([key, value]) => labels[key] === value) &&
    expressions.every(({ key, operator, values = [] }) => {
      const has = Object.hasOwn(labels, key);
      if (operator === 'Exists') return has;
      if (operator === 'DoesNotExist') return !has;
      if (operator === 'In') return has && values.includes(labels[key] ?? '');
      if (operator === 'NotIn') return !has || !values.includes(labels[key] ?? '');
      return false;
    })
  );
}

function templateLabels(deployment: KubeObject): Record<string, string> {
  return (deployment.spec?.template?.metadata?.labels ?? {}) as Record<string, string>;
}

function selected(
  selector: Selector | undefined,
  deployments: readonly KubeObject[],
): KubeObject[] {
  return deployments.filter((d) => matches(selector, templateLabels(d)));
}

interface Container {
  name: string;
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  volumeMounts?: { name: string }[];
}

interface Probe {
  httpGet?: { port: string | number };
  tcpSocket?: { port: string | number };
}

function containersOf(deployment: KubeObject): Container[] {
  return (deployment.spec?.template?.spec?.containers ?? []) as Container[];
}

function checkDeployment(
  deployment: KubeObject,
  objects: readonly KubeObject[],
  report: Report,
): void {
  if (!matches(deployment.spec?.selector, templateLabels(deployment)))
    report('selector', deployment, 'spec.selector does not match its pod template labels');
  const volumes = new Map<string, { configMap?: { name: string } }>(
    (
      (deployment.spec?.template?.spec?.volumes ?? []) as {
        name: string;
        configMap?: { name: string };
      }[]
    ).map((v) => [v.name, v]),
  );
  for (const container of containersOf(deployment)) {
    const names = new Set<string>();
    for (const port of container.ports ?? []) {
      if (port.containerPort < 1 || port.containerPort > 65535)
        report('ports', deployment, `containerPort ${port.containerPort} is not from 1 to 65535`);
      if (port.name === undefined) continue;
      if (port.name.length > 15 || !IANA_SVC_NAME.test(port.name))
        report(
          'ports',
          deployment,
          `port name "${port.name}" is not an IANA service name (at most 15, a-z 0-9 "-", a letter)`,
        );
      if (names.has(port.name))
        report('ports', deployment, `port name "${port.name}" is used twice`);
      names.add(port.name);
    }
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe'] as const) {
      const port = container[probe]?.httpGet?.port ?? container[probe]?.tcpSocket?.port;
      if (port === undefined) continue;
      const found =
        typeof port === 'number'
          ? (container.ports ?? []).some((p) => p.containerPort === port)
          : names.has(port);
      if (!found)
        report(
          'probe-ports',
          deployment,
          `${container.name}'s ${probe} uses port ${JSON.stringify(port)}, which the container does not declare`,
        );
    }
    for (const mount of container.volumeMounts ?? []) {
      const volume = volumes.get(mount.name);
      if (volume === undefined)
        report(
          'volumes',
          deployment,
          `${container.name} mounts volume "${mount.name}", which the pod does not have`,
        );
      const map = volume?.configMap?.name;
      if (
        map !== undefined &&
        !objects.some((o) => o.kind === 'ConfigMap' && o.metadata?.name === map)
      )
        report(
          'volumes',
          deployment,
          `volume "${mount.name}" is ConfigMap "${map}", which is not rendered`,
        );
    }
  }
}

function checkService(
  service: KubeObject,
  deployments: readonly KubeObject[],
  report: Report,
): void {
  const targets = selected(
    service.spec?.selector === undefined ? undefined : { matchLabels: service.spec.selector },
    deployments,
  );
  if (targets.length !== 1) {
    report(
      'service-selector',
      service,
      `its selector matches ${targets.length} Deployments' pods, not exactly 1`,
    );
    return;
  }
  const [target] = targets as [KubeObject];
  const names = new Set<string>();
  const declared = containersOf(target).flatMap((c) => c.ports ?? []);
  for (const port of (service.spec?.ports ?? []) as {
    name?: string;
    targetPort?: string | number;
  }[]) {
    if (port.name !== undefined) {
      if (port.name.length > 15 || !IANA_SVC_NAME.test(port.name))
        report(
          'ports',
          service,
          `port name "${port.name}" is not an IANA service name (at most 15, a-z 0-9 "-", a letter)`,
        );
      if (names.has(port.name)) report('ports', service, `port name "${port.name}" is used twice`);
      names.add(port.name);
    }
    const wanted = port.targetPort;
    const found =
      typeof wanted === 'number'
        ? declared.some((p) => p.containerPort === wanted)
        : declared.some((p) => p.name === wanted);
    if (!found)
      report(
        'ports',
        service,
        `targetPort ${JSON.stringify(wanted)} is not a port of ${idOf(target)}`,
      );
  }
}

function checkHpa(hpa: KubeObject, deployments: readonly KubeObject[], report: Report): void {
  const ref = hpa.spec?.scaleTargetRef as { kind?: string; name?: string } | undefined;
  const target = deployments.find(
    (d) => ref?.kind === 'Deployment' && d.metadata?.name === ref.name,
  );
  if (target === undefined) {
    report('hpa', hpa, `its target ${ref?.kind}/${ref?.name} is not rendered`);
    return;
  }
  if (target.spec?.replicas !== undefined)
    report(
      'hpa',
      hpa,
      `${idOf(target)} sets replicas, which every apply would reset under the HPA`,
    );
  if ((hpa.spec?.minReplicas ?? 1) > hpa.spec?.maxReplicas)
    report(
      'hpa',
      hpa,
      `minReplicas ${hpa.spec?.minReplicas} is above maxReplicas ${hpa.spec?.maxReplicas}`,
    );
}

function checkPolicy(policy: KubeObject, deployments: readonly KubeObject[], report: Report): void {
  const targets = selected(policy.spec?.podSelector, deployments);
  if (targets.length === 0)
    report('network-policy', policy, 'its podSelector selects no rendered pods');
  const gateways = deployments.filter(
    (d) => templateLabels(d)['app.kubernetes.io/component'] === 'gateway',
  );
  if (!targets.some((t) => templateLabels(t)['app.kubernetes.io/component'] === 'server')) return;
  for (const rule of (policy.spec?.ingress ?? []) as { from?: { podSelector?: Selector }[] }[]) {
    const from = rule.from ?? [];
    const onlyGateway =
      from.length > 0 &&
      from.every(
        (peer) =>
          Object.keys(peer).length === 1 &&
          selected(peer.podSelector, deployments).every((d) => gateways.includes(d)) &&
          selected(peer.podSelector, deployments).length > 0,
      );
    if (!onlyGateway)
      report('network-policy', policy, "an ingress rule admits more than the gateway's pods");
  }
}

function checkSecretKeys(
  deployments: readonly KubeObject[],
  secrets: readonly KubeObject[],
  report: Report,
): void {
  const listed = new Set(
    secrets.flatMap((s) =>
      Object.keys({ ...s.data, ...s.stringData }).map((key) => `${s.metadata?.name}/${key}`),
    ),
  );
  for (const deployment of deployments) {
    for (const container of containersOf(deployment)) {
      for (const variable of container.env ?? []) {
        const ref = variable.valueFrom?.secretKeyRef;
        if (ref !== undefined && !listed.has(`${ref.name}/${ref.key}`))
          report(
            'secret-keys',
            deployment,
            `${variable.name} comes from Secret ${ref.name} key ${ref.key}, which secrets.example.yaml does not list`,
          );
      }
    }
  }
}
