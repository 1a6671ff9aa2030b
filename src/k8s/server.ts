import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Service } from 'kubernetes-models/v1/Service';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import { SERVER_LABEL, serverImage } from './names.js';
import { HTTP_PORT, PART_OF, PORT_NAME, ROLE_LABEL, RUN_AS, roleSecretName } from './labels.js';

/** What the render settings say about every object. */
export interface RenderSettings {
  namespace: string;
  /** Prepended to image names as `<registry>/`; none: the names alone (kind load, a local registry). */
  registry: string | undefined;
  tag: string;
}

/** One server as it goes to Kubernetes, decided from its manifest entry by `plan.ts`. */
export interface KubeServer {
  /** The mcpx name, kept in the `mcpx.dev/server` label. */
  name: string;
  /** The name of its Deployment, Service, PDB and HPA (see names.ts). */
  kubeName: string;
  role: { name: string; env: readonly string[] } | undefined;
  /** The container's command: the HTTP entry, or mcpx's bridge around a stdio-only command. */
  command: string[];
  /** The entry's own `env`, as Kubernetes env entries (secret references already resolved). */
  env: IEnvVar[];
  /** A fixed count, or the bounds of an HPA. */
  replicas: number | { min: number; max: number };
  /** The MCP endpoint path. */
  path: string;
  /** `http`: /healthz and /readyz exist (template entry, bridge); `tcp`: only that it listens. */
  probes: 'http' | 'tcp';
}

/** An image name under the render settings' registry and tag. */
export function imageName(base: string, settings: RenderSettings): string {
  const prefix = settings.registry === undefined ? '' : `${settings.registry.replace(/\/+$/, '')}/`;
  return `${prefix}${base}:${settings.tag}`;
}

/** The names a server's Service answers to inside the cluster, as ALLOWED_HOSTS wants them. */
export function serviceHosts(kubeName: string, namespace: string): string[] {
  return [kubeName, `${kubeName}.${namespace}.svc`, `${kubeName}.${namespace}.svc.cluster.local`];
}

/** The Deployment, headless Service, PodDisruptionBudget and (when it autoscales) HPA of a server. */
export function serverObjects(
  server: KubeServer,
  settings: RenderSettings,
): (Deployment | Service | PodDisruptionBudget | HorizontalPodAutoscaler)[] {
  const selector = { 'app.kubernetes.io/name': server.kubeName, ...PART_OF };
  const labels = {
    ...selector,
    'app.kubernetes.io/component': 'server',
    [SERVER_LABEL]: server.name,
    ...(server.role === undefined ? {} : { [ROLE_LABEL]: server.role.name }),
  };
  const metadata = { name: server.kubeName, labels };
  const hosts = serviceHosts(server.kubeName, settings.namespace);
  const deployment = new Deployment({
    metadata,
    spec: {
      // With an HPA, a replicas field here would reset the scale on every apply.
      ...(typeof server.replicas === 'number' ? { replicas: server.replicas } : {}),
      selector: { matchLabels: selector },
      template: {
        metadata: { labels },
        spec: podSpec({
          name: 'server',
          image: imageName(serverImage(server.name), settings),
          command: server.command,
          ports: [{ name: PORT_NAME, containerPort: HTTP_PORT, protocol: 'TCP' }],
          env: [
            { name: 'HOST', value: '0.0.0.0' },
            { name: 'PORT', value: String(HTTP_PORT) },
            { name: 'ALLOWED_HOSTS', value: hosts.join(',') },
            // One variable per name the role grants, never the whole Secret (envFrom): a key
            // added to the Secret later must not reach servers whose role does not grant it.
            ...(server.role?.env ?? []).map((name) => ({
              name,
              valueFrom: {
                secretKeyRef: { name: roleSecretName(server.role?.name ?? ''), key: name },
              },
            })),
            ...server.env,
          ],
          ...(server.probes === 'http' ? probes(hosts[0] ?? server.kubeName) : tcpProbes()),
        }),
      },
    },
  });
  const service = new Service({
    metadata,
    spec: {
      // Headless: the gateway resolves every pod address and balances per call itself.
      clusterIP: 'None',
      selector,
      ports: [{ name: PORT_NAME, port: HTTP_PORT, targetPort: PORT_NAME, protocol: 'TCP' }],
    },
  });
  const count = typeof server.replicas === 'number' ? server.replicas : server.replicas.min;
  const pdb = new PodDisruptionBudget({
    metadata,
    spec: {
      selector: { matchLabels: selector },
      // minAvailable 1 on a single replica would block every node drain for good.
      ...(count > 1 ? { minAvailable: 1 } : { maxUnavailable: 1 }),
    },
  });
  if (typeof server.replicas === 'number') return [deployment, service, pdb];
  const hpa = new HorizontalPodAutoscaler({
    metadata,
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: server.kubeName },
      minReplicas: server.replicas.min,
      maxReplicas: server.replicas.max,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
        },
      ],
    },
  });
  return [deployment, service, pdb, hpa];
}

/**
 * Startup and liveness on `/healthz` (the process answers), readiness on `/readyz` (an MCP client
 * in the process lists the primitives). The Host header is one the server admits: the kubelet
 * would otherwise send the pod IP, which the DNS-rebinding check refuses with 403.
 */
export function probes(
  host: string | undefined,
): Pick<IContainer, 'startupProbe' | 'livenessProbe' | 'readinessProbe'> {
  const get = (path: string): IProbe['httpGet'] => ({
    path,
    port: PORT_NAME,
    ...(host === undefined ? {} : { httpHeaders: [{ name: 'Host', value: host }] }),
  });
  return {
    startupProbe: { httpGet: get('/healthz'), periodSeconds: 1, failureThreshold: 30 },
    livenessProbe: { httpGet: get('/healthz'), periodSeconds: 10, timeoutSeconds: 2 },
    readinessProbe: { httpGet: get('/readyz'), periodSeconds: 5, timeoutSeconds: 5 },
  };
}

/** For an HTTP server mcpx knows nothing more of than that it listens on the MCP port. */
export function tcpProbes(): Pick<IContainer, 'startupProbe' | 'livenessProbe' | 'readinessProbe'> {
  const tcpSocket = { port: PORT_NAME };
  return {
    startupProbe: { tcpSocket, periodSeconds: 1, failureThreshold: 30 },
    livenessProbe: { tcpSocket, periodSeconds: 10, timeoutSeconds: 2 },
    readinessProbe: { tcpSocket, periodSeconds: 5, timeoutSeconds: 2 },
  };
}

/**
 * A pod of one container, locked down as the "restricted" Pod Security Standard asks: non-root,
 * no privilege escalation, no capabilities, RuntimeDefault seccomp, no API token; a read-only root
 * file system with a writable /tmp.
 */
export function podSpec(container: IContainer): IPodSpec {
  return {
    automountServiceAccountToken: false,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: RUN_AS,
      runAsGroup: RUN_AS,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    containers: [
      {
        ...container,
        resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
        securityContext: {
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        },
        volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
      },
    ],
    volumes: [{ name: 'tmp', emptyDir: {} }],
  };
}
