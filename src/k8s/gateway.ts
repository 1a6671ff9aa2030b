import { createHash } from 'node:crypto';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import {
  GATEWAY_MEMBERS,
  GATEWAY_NAME,
  GATEWAY_POD_LABELS,
  GATEWAY_SECRET,
  GATEWAY_TOKEN_ENV,
  HTTP_PORT,
  PORT_NAME,
} from './labels.js';
import { GATEWAY_IMAGE } from './names.js';
import { type RenderSettings, imageName, podSpec, probes } from './server.js';

/** One server in the gateway's members file (the contract with `mcpx gateway --members`). */
export interface Member {
  url: string;
  /** `dns`: every address of the (headless) Service's name is a replica, re-resolved. */
  discovery: 'dns' | 'none';
  prefix?: string;
  /** Sent to the member; `${NAME}` expands from the gateway's environment (its Secret). */
  headers?: Record<string, string>;
}

/** The members file: `{"servers": {"<mcpx name>": Member}}`. */
export interface MembersFile {
  servers: Record<string, Member>;
}

const MEMBERS_DIR = '/etc/mcpx';

/**
 * The gateway as the cluster's entry point: the mcpx bundle in gateway-only mode, two replicas,
 * its members from a ConfigMap and its bearer token from a Secret.
 */
export function gatewayObjects(
  members: MembersFile,
  secretEnv: readonly string[],
  settings: RenderSettings,
): (Deployment | Service | ConfigMap | PodDisruptionBudget)[] {
  const metadata = {
    name: GATEWAY_NAME,
    labels: { ...GATEWAY_POD_LABELS, 'app.kubernetes.io/component': 'gateway' },
  };
  const selector = GATEWAY_POD_LABELS;
  const membersJson = `${JSON.stringify(members, null, 2)}\n`;
  const config = new ConfigMap({
    metadata: { ...metadata, name: GATEWAY_MEMBERS },
    data: { 'members.json': membersJson },
  });
  const spec = podSpec({
    name: 'gateway',
    image: imageName(GATEWAY_IMAGE, settings),
    command: [
      'node',
      '/app/mcpx.js',
      'gateway',
      '--members',
      `${MEMBERS_DIR}/members.json`,
      '--host',
      '0.0.0.0',
      '--port',
      String(HTTP_PORT),
    ],
    ports: [{ name: PORT_NAME, containerPort: HTTP_PORT, protocol: 'TCP' }],
    env: [GATEWAY_TOKEN_ENV, ...secretEnv].map((name) => ({
      name,
      valueFrom: { secretKeyRef: { name: GATEWAY_SECRET, key: name } },
    })),
    ...probes(undefined),
  });
  const container = spec.containers[0];
  container?.volumeMounts?.push({ name: 'members', mountPath: MEMBERS_DIR, readOnly: true });
  spec.volumes?.push({ name: 'members', configMap: { name: GATEWAY_MEMBERS } });
  const deployment = new Deployment({
    metadata,
    spec: {
      replicas: 2,
      selector: { matchLabels: selector },
      template: {
        metadata: {
          labels: metadata.labels,
          // A changed members file changes the pod template, so an apply rolls the gateway onto it.
          annotations: {
            'mcpx.dev/members-sha256': createHash('sha256').update(membersJson).digest('hex'),
          },
        },
        spec,
      },
    },
  });
  const service = new Service({
    metadata,
    spec: {
      type: 'ClusterIP',
      selector,
      ports: [{ name: PORT_NAME, port: HTTP_PORT, targetPort: PORT_NAME, protocol: 'TCP' }],
    },
  });
  const pdb = new PodDisruptionBudget({
    metadata,
    spec: { selector: { matchLabels: selector }, minAvailable: 1 },
  });
  return [deployment, service, config, pdb];
}
