import { stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { McpxError } from '../errors.js';
import { loadWorkspace } from '../manifest/load.js';
import { HEADER, type OutputFile, previousResources, writeOutput } from './files.js';
import { type KubeObject, lintObjects } from './lint.js';
import { type Plan, type PlannedFile, planBase } from './plan.js';
import type { RenderSettings } from './server.js';

export interface RenderOptions {
  /** The workspace folder, or one inside it. */
  dir: string;
  /** The output folder; default `deploy/k8s` in the workspace. */
  out: string | undefined;
  registry: string | undefined;
  tag: string;
  namespace: string;
  /** Replace files that mcpx did not write. */
  force: boolean;
}

export interface RenderResult {
  out: string;
  namespace: string;
  /** Every file of the base, relative to `out`, in the order written. */
  files: string[];
  written: string[];
  unchanged: string[];
  removed: string[];
  /** Servers that got no Deployment, and why. */
  skipped: Plan['skipped'];
}

export const DEFAULT_OUT = 'deploy/k8s';

/** Renders the workspace's kustomize base and writes it; nothing is written when anything fails. */
export async function renderBase(options: RenderOptions): Promise<RenderResult> {
  const settings = checkSettings(options);
  const workspace = await loadWorkspace(options.dir);
  const out = options.out === undefined ? join(workspace.root, DEFAULT_OUT) : resolve(options.out);
  const withHttpEntry = new Set<string>();
  for (const server of workspace.servers.values()) {
    if (server.remote) continue;
    const found = await stat(join(server.cwd, 'src', 'http.ts')).then(
      (s) => s.isFile(),
      () => false,
    );
    if (found) withHttpEntry.add(server.name);
  }
  const plan = planBase(workspace, settings, (server) => withHttpEntry.has(server.name));
  const files = renderFiles(plan, settings);
  const report = await writeOutput(out, files, await previousResources(out, parse), options.force);
  return {
    out: relative(process.cwd(), out) || '.',
    namespace: settings.namespace,
    files: files.map((f) => f.path),
    ...report,
    skipped: plan.skipped,
  };
}

/**
 * Every file's text, after each object passed its OpenAPI schema and the whole set mcpx's lint.
 * A failure there is a bug in mcpx (the inputs were checked before), so it is not an McpxError.
 */
export function renderFiles(plan: Plan, settings: RenderSettings): OutputFile[] {
  const all = [...plan.resources, plan.secrets];
  for (const file of all) {
    for (const object of file.objects) {
      try {
        object.validate();
      } catch (error) {
        throw new Error(`mcpx rendered an invalid object in ${file.path}: ${String(error)}`, {
          cause: error,
        });
      }
    }
  }
  const json = (files: PlannedFile[]): KubeObject[] =>
    files.flatMap((f) => f.objects.map((o) => o.toJSON() as KubeObject));
  const problems = lintObjects(json(plan.resources), json([plan.secrets]));
  if (problems.length > 0) {
    const lines = problems.map((p) => `  ${p.object} [${p.rule}]: ${p.message}`).join('\n');
    throw new Error(`mcpx rendered objects that fail its own checks:\n${lines}`);
  }
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    namespace: settings.namespace,
    resources: plan.resources.map((f) => f.path),
  };
  const note = (file: PlannedFile): string => (file === plan.secrets ? SECRETS_NOTE : '');
  return [
    { path: 'kustomization.yaml', text: `${HEADER}\n${yamlText(kustomization)}` },
    ...all.map((file) => ({
      path: file.path,
      text: `${HEADER}\n${note(file)}${file.objects.map((o) => yamlText(o.toJSON())).join('---\n')}`,
    })),
  ];
}

/** What secrets.example.yaml is for, and what the one value with rules of its own must be. */
const SECRETS_NOTE = [
  '# Not part of the base: copy it outside git, fill in every value, and apply the copy with',
  "# `kubectl apply -n <namespace> -f <copy>`. Each role's servers get exactly the keys listed here.",
  '# The gateway token is at least 43 base64url characters, e.g.:',
  "#   openssl rand -base64 32 | tr '+/' '-_' | tr -d '='",
  '',
].join('\n');

function yamlText(value: unknown): string {
  // No folding: long commands and JSON in a ConfigMap stay on the lines they were written on.
  return stringify(value, { lineWidth: 0 });
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const REGISTRY = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;

function checkSettings(options: RenderOptions): RenderSettings {
  if (options.namespace.length > 63 || !DNS1123_LABEL.test(options.namespace)) {
    throw new McpxError(`--namespace "${options.namespace}" is not a Kubernetes namespace name.`, {
      hint: 'use lowercase letters, digits and "-", at most 63, e.g. --namespace mcpx',
    });
  }
  if (options.namespace.startsWith('kube-')) {
    throw new McpxError(`--namespace "${options.namespace}" is one of Kubernetes' own.`, {
      hint: 'give the servers a namespace of their own, e.g. --namespace mcpx',
    });
  }
  if (!IMAGE_TAG.test(options.tag)) {
    throw new McpxError(`--tag "${options.tag}" is not an image tag.`, {
      hint: 'use letters, digits, "_", "." and "-" (not first), at most 128, e.g. --tag 1.4.0',
    });
  }
  const registry = options.registry?.replace(/\/+$/, '');
  if (registry !== undefined && !REGISTRY.test(registry)) {
    throw new McpxError(`--image-registry "${options.registry}" is not a registry path.`, {
      hint: 'write it without a scheme, e.g. --image-registry ghcr.io/acme or localhost:5000',
    });
  }
  return { namespace: options.namespace, registry, tag: options.tag };
}
