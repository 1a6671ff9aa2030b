/**
 * mcpx server names allow `_` and a leading digit; Kubernetes refuses both in Service names
 * (DNS-1035: a letter first, then letters, digits and `-`). The mapping is one function so that
 * `mcpx k8s render` and `mcpx build` (image names) agree.
 */

/** The label that keeps the mcpx name of a server on every object made for it. */
export const SERVER_LABEL = 'mcpx.dev/server';

/** `text_kit` -> `text-kit`, `9lives` -> `s-9lives`; any other valid mcpx name is kept. */
export function kubernetesName(serverName: string): string {
  const dashed = serverName.replaceAll('_', '-');
  return /^[0-9]/.test(dashed) ? `s-${dashed}` : dashed;
}
