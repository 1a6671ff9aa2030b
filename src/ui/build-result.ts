import type { BuildResult } from '../services/build.js';
import { sanitizeText } from '../sanitize.js';

/**
 * ```
 * wrote deploy/images/docs/Containerfile     mcpx-docs:dev      node src/http.ts
 * ...
 * built 4 images with podman
 * ```
 */
export function formatBuildResult(result: BuildResult): string {
  const width = (pick: (i: BuildResult['images'][number]) => string): number =>
    Math.max(0, ...result.images.map((i) => pick(i).length));
  const fileWidth = width((i) => i.containerfile);
  const imageWidth = width((i) => i.image);
  const lines = result.images.map(
    (i) =>
      `wrote ${i.containerfile.padEnd(fileWidth)}  ${i.image.padEnd(imageWidth)}  ${i.command.join(' ')}`,
  );
  lines.push(
    result.keptDockerignore
      ? 'kept .dockerignore, which is your own: check that it keeps node_modules, .env files and .git out of the images'
      : 'wrote .dockerignore',
  );
  for (const s of result.skipped) lines.push(`skipped ${s.name}: ${s.why}`);
  if (result.builder !== undefined) {
    const n = result.images.length;
    lines.push(`built ${n} image${n === 1 ? '' : 's'} with ${result.builder}`);
  } else {
    lines.push(
      result.notBuilt === '--print'
        ? `to build, in ${result.root}:`
        : `${result.notBuilt ?? 'not built'}; to build, in ${result.root}:`,
    );
    for (const i of result.images) lines.push(`  ${i.buildCommand}`);
  }
  return sanitizeText(lines.join('\n'), { keepNewlines: true });
}
