import type { Model } from '@kubernetes-models/base';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { McpxError } from '../errors.js';
import { ENV_REFERENCE } from '../manifest/env.js';
import type { Workspace } from '../manifest/load.js';
import type { LocalServerConfig, ServerConfig } from '../manifest/servers.js';
import { GATEWAY_NAME, GATEWAY_TOKEN_ENV, HTTP_PORT, PART_OF } from './labels.js';
import { kubernetesName } from './names.js';
import { type MembersFile, gatewayObjects } from './gateway.js';
import { type KubeRole, exampleSecrets, rolePolicy } from './roles.js';
import { type KubeServer, type RenderSettings, serverObjects } from './server.js';

/** A typed Kubernetes object (a kubernetes-models class instance). */
export type KubeModel = Model<unknown> & { kind: string; metadata?: { name?: string } };

/** A file of the base and the objects in it, one YAML document each. */
export interface PlannedFile {
  path: string;
  objects: KubeModel[];
}

/** Everything `mcpx k8s render` writes, before it is validated and written. */
export interface Plan {
  /** The kustomize resources, by path relative to the output folder. */
  resources: PlannedFile[];
  /** secrets.example.yaml: not a resource, so that real values never land in the base. */
  secrets: PlannedFile;
  /** Servers left out, with why (disabled; given by url, so only a gateway member). */
  skipped: { name: string; reason: string }[];
}

/** Whether a server's folder has the template's HTTP entry (src/http.ts); found by the caller. */
export type HasHttpEntry = (server: LocalServerConfig) => boolean;

export const SECRETS_FILE = 'secrets.example.yaml';

/** Decides every object of the base from the workspace; throws McpxError for what cannot be deployed. */
export function planBase(
  workspace: Workspace,
  settings: RenderSettings,
  hasHttpEntry: HasHttpEntry,
): Plan {
  const servers: KubeServer[] = [];
  const members: MembersFile = { servers: {} };
  const skipped: Plan['skipped'] = [];
  /** What the members' headers refer to as `${NAME}`: the gateway's Secret supplies them. */
  const gatewayEnv: string[] = [];
  const owners = new Map<string, string>([[GATEWAY_NAME, 'the gateway']]);
  for (const config of workspace.servers.values()) {
    if (config.disabled) {
      skipped.push({ name: config.name, reason: 'disabled' });
      continue;
    }
    const prefix = config.prefix === config.name ? {} : { prefix: config.prefix };
    if (config.remote) {
      const headers = Object.keys(config.headers).length > 0 ? { headers: config.headers } : {};
      for (const value of Object.values(config.headers)) {
        for (const [, name] of value.matchAll(ENV_REFERENCE)) {
          if (name !== undefined && name !== GATEWAY_TOKEN_ENV && !gatewayEnv.includes(name))
            gatewayEnv.push(name);
        }
      }
      members.servers[config.name] = { url: config.url, discovery: 'none', ...prefix, ...headers };
      skipped.push({
        name: config.name,
        reason: `runs elsewhere (${config.url}): a gateway member only`,
      });
      continue;
    }
    const server = kubeServer(config, workspace, hasHttpEntry);
    const owner = owners.get(server.kubeName);
    if (owner !== undefined) {
      throw new McpxError(
        `Server "${config.name}" would be named "${server.kubeName}" on Kubernetes, as ${owner === 'the gateway' ? 'the gateway is' : `server "${owner}" is`}.`,
        {
          hint: `Kubernetes names have no "_" and start with a letter, so "${config.name}" becomes "${server.kubeName}"; rename one of them in mcpx.json`,
        },
      );
    }
    owners.set(server.kubeName, `${config.name}`);
    servers.push(server);
    members.servers[config.name] = {
      url: `http://${server.kubeName}.${settings.namespace}.svc.cluster.local:${HTTP_PORT}${server.path}`,
      discovery: 'dns',
      ...prefix,
    };
  }
  const roles = usedRoles(servers, workspace);
  const resources: PlannedFile[] = [];
  if (settings.namespace !== 'default') {
    resources.push({
      path: 'namespace.yaml',
      objects: [
        new Namespace({
          metadata: {
            name: settings.namespace,
            labels: {
              ...PART_OF,
              // Every pod here meets the "restricted" standard; let the cluster hold it to that.
              'pod-security.kubernetes.io/enforce': 'restricted',
            },
          },
        }),
      ],
    });
  }
  const fileName: Record<string, string> = {
    Deployment: 'deployment.yaml',
    Service: 'service.yaml',
    PodDisruptionBudget: 'pdb.yaml',
    HorizontalPodAutoscaler: 'hpa.yaml',
    ConfigMap: 'members.yaml',
  };
  const byKind = (folder: string, objects: KubeModel[]): PlannedFile[] =>
    objects.map((object) => ({
      path: `${folder}/${fileName[object.kind] ?? `${object.kind.toLowerCase()}.yaml`}`,
      objects: [object],
    }));
  resources.push(...byKind('gateway', gatewayObjects(members, gatewayEnv, settings)));
  for (const server of servers) {
    resources.push(...byKind(`servers/${server.kubeName}`, serverObjects(server, settings)));
  }
  for (const role of roles) {
    const policy = rolePolicy(role);
    resources.push({ path: `network-policies/${policy.metadata?.name}.yaml`, objects: [policy] });
  }
  return {
    resources,
    secrets: { path: SECRETS_FILE, objects: exampleSecrets(roles, gatewayEnv) },
    skipped,
  };
}

function kubeServer(
  config: LocalServerConfig,
  workspace: Workspace,
  hasHttpEntry: HasHttpEntry,
): KubeServer {
  if (config.isolation === 'session') {
    throw new McpxError(
      `Server "${config.name}" has "isolation": "session", which the in-cluster gateway cannot do: it does not start an instance per client session.`,
      {
        hint: `set "isolation": "shared" for "${config.name}" in mcpx.json, or "disabled": true to leave it out`,
      },
    );
  }
  const role =
    config.role === undefined ? undefined : { name: config.role.name, env: config.role.env };
  const replicas = config.entry.replicas ?? 1;
  return {
    name: config.name,
    kubeName: kubernetesName(config.name),
    role,
    command: containerCommand(config, hasHttpEntry),
    // The template's entry and mcpx's bridge serve /healthz and /readyz; any other HTTP server
    // is only known to listen.
    probes: config.transport === 'stdio' || hasHttpEntry(config) ? 'http' : 'tcp',
    env: entryEnv(config, role?.env ?? []),
    replicas,
    path: config.http?.path ?? '/mcp',
  };
}

/**
 * An HTTP server runs its own command (it reads PORT and HOST); a stdio server with the
 * template's HTTP entry runs that; any other stdio server runs inside mcpx's stdio-to-HTTP bridge.
 */
function containerCommand(config: LocalServerConfig, hasHttpEntry: HasHttpEntry): string[] {
  if (config.transport !== 'stdio') return [config.command, ...config.args];
  if (hasHttpEntry(config)) return ['node', 'src/http.ts'];
  return [
    'node',
    '/app/mcpx.js',
    'bridge',
    '--http',
    `0.0.0.0:${HTTP_PORT}`,
    '--',
    config.command,
    ...config.args,
  ];
}

/**
 * The entry's own env: literal values as they are; `${NAME}` becomes Kubernetes' `$(NAME)` when
 * the role grants NAME (its Secret's variable comes first in the list, as `$(...)` requires).
 * Anything else would expand from the developer's shell, which the cluster does not have.
 */
function entryEnv(config: ServerConfig, granted: readonly string[]): IEnvVar[] {
  return Object.entries(config.entry.env ?? {}).map(([name, value]) => {
    const converted = value.replace(ENV_REFERENCE, (whole, ref: string, fallback?: string) => {
      if (fallback === undefined && granted.includes(ref)) return `$(${ref})`;
      throw new McpxError(
        `Server "${config.name}": env ${name} is "${value}", and ${whole} expands from your shell, which the cluster does not have.`,
        {
          hint: `list ${ref} in the "env" of role "${config.role?.name ?? '(none)'}" (its value then comes from the role's Secret, see secrets.example.yaml), or write a literal value`,
        },
      );
    });
    return { name, value: converted };
  });
}

/** The roles of the deployed servers, in first-use order; servers without a role share one. */
function usedRoles(servers: readonly KubeServer[], workspace: Workspace): KubeRole[] {
  const roles = new Map<string | undefined, KubeRole>();
  for (const server of servers) {
    const name = server.role?.name;
    if (roles.has(name)) continue;
    const role = name === undefined ? undefined : workspace.roles.get(name);
    roles.set(name, { name, env: role?.env ?? [], egress: role?.egress ?? [] });
  }
  return [...roles.values()];
}
