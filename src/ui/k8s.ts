import type { RenderResult } from '../k8s/render.js';

/**
 * ```
 * Rendered deploy/k8s (namespace mcpx): 17 files, 17 written
 *   kustomization.yaml
 *   ...
 * Next: kubectl apply -k deploy/k8s, then a filled-in copy of secrets.example.yaml ...
 * ```
 */
export function formatRenderResult(result: RenderResult): string {
  const written = new Set(result.written);
  const counts = [
    `${result.written.length} written`,
    ...(result.unchanged.length > 0 ? [`${result.unchanged.length} unchanged`] : []),
    ...(result.removed.length > 0 ? [`${result.removed.length} removed`] : []),
  ].join(', ');
  const lines = [
    `Rendered ${result.out} (namespace ${result.namespace}): ${result.files.length} files, ${counts}`,
    ...result.files.map((file) => `  ${file}${written.has(file) ? '' : '  (unchanged)'}`),
    ...result.removed.map((file) => `  ${file}  (removed: no longer rendered)`),
    ...result.skipped.map((s) => `Not deployed: ${s.name}: ${s.reason}`),
    '',
    `Next: kubectl apply -k ${result.out}, then a filled-in copy of secrets.example.yaml (kept out of git):`,
    `  kubectl apply -n ${result.namespace} -f <your-secrets>.yaml`,
  ];
  return lines.join('\n');
}
