/** Labels and fixed names shared by the objects `mcpx k8s render` writes. */

export const PART_OF = { 'app.kubernetes.io/part-of': 'mcpx' } as const;

/** The gateway's pods; server NetworkPolicies admit ingress from these alone. */
export const GATEWAY_NAME = 'mcpx-gateway';
export const GATEWAY_POD_LABELS = { 'app.kubernetes.io/name': GATEWAY_NAME, ...PART_OF } as const;

/** The label that tells a server pod's role, which its NetworkPolicy selects on. */
export const ROLE_LABEL = 'mcpx.dev/role';

/** Every server and gateway container listens here; the Service port has the same name. */
export const HTTP_PORT = 8080;
export const PORT_NAME = 'mcp';

/** The uid the images run as (distroless's "nonroot"); the Deployments insist on it. */
export const RUN_AS = 65532;

/** The Secret that holds the environment a role grants. */
export function roleSecretName(role: string): string {
  return `mcpx-role-${role}`;
}
/** The gateway's Secret: its token, and the variables its members' headers refer to. */
export const GATEWAY_SECRET = 'mcpx-gateway';
export const GATEWAY_TOKEN_ENV = 'MCPX_GATEWAY_TOKEN';
export const GATEWAY_MEMBERS = 'mcpx-gateway-members';
