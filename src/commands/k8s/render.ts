import * as Flags from '@oclif/core/flags';
import { BaseCommand } from '../../cli/base-command.js';
import { dirFlag } from '../../cli/flags.js';
import { DEFAULT_OUT, type RenderResult, renderBase } from '../../k8s/render.js';

export default class K8sRender extends BaseCommand {
  static override summary = 'Write a kustomize base that deploys the workspace to Kubernetes.';
  static override description = `Per server a Deployment (its HTTP entry on port 8080, non-root, read-only, probes on /healthz and /readyz), a headless Service, a PodDisruptionBudget and, when "replicas" is {"min", "max"}, a HorizontalPodAutoscaler; a NetworkPolicy per role (ingress from the gateway only, egress DNS plus the role's "egress"); the gateway (2 replicas, members from a ConfigMap, token from a Secret); and secrets.example.yaml with every variable a role grants.

Every object is checked against the Kubernetes OpenAPI schema and mcpx's own lint before anything is written. Files are replaced whole; a file mcpx did not write is never replaced without --force. Apply with \`kubectl apply -k <out>\` once the Secrets exist.`;

  static override examples = [
    { command: '<%= config.bin %> k8s render', description: `Write ${DEFAULT_OUT}/.` },
    {
      command:
        '<%= config.bin %> k8s render --image-registry ghcr.io/acme --tag 1.4.0 --namespace tools',
      description: 'Images from a registry, into namespace "tools".',
    },
  ];

  static override flags = {
    out: Flags.directory({
      char: 'o',
      summary: `Folder of the base (default: ${DEFAULT_OUT} in the workspace).`,
    }),
    'image-registry': Flags.string({
      summary: 'Registry path put before image names, e.g. ghcr.io/acme (default: none).',
    }),
    tag: Flags.string({ summary: 'Image tag.', default: 'dev' }),
    namespace: Flags.string({
      char: 'n',
      summary: "Namespace of every object; the Services' host names include it.",
      default: 'mcpx',
    }),
    force: Flags.boolean({
      summary: 'Replace files in the output folder that mcpx did not write.',
      default: false,
    }),
    dir: dirFlag,
  };

  async run(): Promise<RenderResult> {
    const { flags } = await this.parse(K8sRender);
    const result = await renderBase({
      dir: flags.dir,
      out: flags.out,
      registry: flags['image-registry'],
      tag: flags.tag,
      namespace: flags.namespace,
      force: flags.force,
    });
    const { formatRenderResult } = await import('../../ui/k8s.js');
    this.log(formatRenderResult(result));
    return result;
  }
}
