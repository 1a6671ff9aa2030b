import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { INetworkPolicyEgressRule } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyEgressRule';
import type { ILabelSelector } from '@kubernetes-models/apimachinery/apis/meta/v1/LabelSelector';
import { Secret } from 'kubernetes-models/v1/Secret';
import { parseEgress } from '../manifest/roles.js';
import {
  GATEWAY_NAME,
  GATEWAY_POD_LABELS,
  GATEWAY_SECRET,
  GATEWAY_TOKEN_ENV,
  HTTP_PORT,
  PART_OF,
  ROLE_LABEL,
  roleSecretName,
} from './labels.js';

/** A role as its NetworkPolicy and Secret need it; `undefined` name: servers without a role. */
export interface KubeRole {
  name: string | undefined;
  env: readonly string[];
  egress: readonly string[];
}

/** The policy name for servers without a role; role names are lowercase words, never this. */
export const NO_ROLE_POLICY = 'mcpx-no-role';

/**
 * A role's NetworkPolicy: ingress on the MCP port from the gateway's pods only, egress to DNS and
 * whatever the role declares. This is where a role's isolation is enforced in the cluster.
 */
export function rolePolicy(role: KubeRole): NetworkPolicy {
  const podSelector: ILabelSelector =
    role.name === undefined
      ? {
          matchLabels: { ...PART_OF, 'app.kubernetes.io/component': 'server' },
          matchExpressions: [{ key: ROLE_LABEL, operator: 'DoesNotExist' }],
        }
      : { matchLabels: { ...PART_OF, [ROLE_LABEL]: role.name } };
  const egress: INetworkPolicyEgressRule[] = [
    {
      ports: [
        { protocol: 'UDP', port: 53 },
        { protocol: 'TCP', port: 53 },
      ],
    },
    ...role.egress.map((rule) => {
      const { cidr, port } = parseEgress(rule);
      return { to: [{ ipBlock: { cidr } }], ports: [{ protocol: 'TCP' as const, port }] };
    }),
  ];
  return new NetworkPolicy({
    metadata: {
      name: role.name === undefined ? NO_ROLE_POLICY : `mcpx-role-${role.name}`,
      labels: { ...PART_OF, ...(role.name === undefined ? {} : { [ROLE_LABEL]: role.name }) },
    },
    spec: {
      podSelector,
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        {
          from: [{ podSelector: { matchLabels: { ...GATEWAY_POD_LABELS } } }],
          ports: [{ protocol: 'TCP', port: HTTP_PORT }],
        },
      ],
      egress,
    },
  });
}

/**
 * secrets.example.yaml: one Secret per role that grants variables, each name with an empty value,
 * and the gateway's (its token and what its members' headers refer to). Not a kustomize resource:
 * real values never belong in the base.
 */
export function exampleSecrets(
  roles: readonly KubeRole[],
  gatewayEnv: readonly string[],
): Secret[] {
  const secrets = roles
    .filter((role) => role.name !== undefined && role.env.length > 0)
    .map(
      (role) =>
        new Secret({
          metadata: { name: roleSecretName(role.name ?? ''), labels: { ...PART_OF } },
          type: 'Opaque',
          stringData: Object.fromEntries(role.env.map((name) => [name, ''])),
        }),
    );
  const gateway = new Secret({
    metadata: {
      name: GATEWAY_SECRET,
      labels: { ...PART_OF, 'app.kubernetes.io/name': GATEWAY_NAME },
    },
    type: 'Opaque',
    stringData: Object.fromEntries([GATEWAY_TOKEN_ENV, ...gatewayEnv].map((name) => [name, ''])),
  });
  return [...secrets, gateway];
}
