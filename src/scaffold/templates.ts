import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PrimitiveKind } from '../manifest/roles.js';

/**
 * The root of the mcpx package: the nearest folder above this module whose package.json is mcpx's.
 * Found by walking up because this code runs from src/ under vitest and from a bundle chunk in dist/.
 */
export function packageRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (
      existsSync(pkg) &&
      (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'mcpx'
    ) {
      return dir;
    }
    if (dirname(dir) === dir) throw new Error(`mcpx's package.json not found above ${start}`);
  }
}

let root: string | undefined;
/** mcpx's own folder, found once. */
export const mcpxRoot = (): string => (root ??= packageRoot());
const fromRoot = (...parts: string[]): string => join(mcpxRoot(), ...parts);

export const templatePaths = {
  workspace: (): string => fromRoot('templates', 'workspace'),
  tsconfigBase: (): string => fromRoot('templates', 'tsconfig.base.json'),
  /** The runtime package every server depends on (packages/mcp-runtime in a workspace). */
  runtime: (): string => fromRoot('templates', 'packages', 'mcp-runtime'),
  server: (template: PrimitiveKind): string => fromRoot('templates', 'servers', template),
  primitive: (kind: PrimitiveKind): string =>
    fromRoot('templates', 'primitives', `${singular(kind)}.ts`),
  primitiveIndex: (kind: PrimitiveKind): string =>
    fromRoot('templates', 'primitives', `${kind}-index.ts`),
};

export function singular(kind: PrimitiveKind): 'tool' | 'resource' | 'prompt' {
  return kind === 'tools' ? 'tool' : kind === 'resources' ? 'resource' : 'prompt';
}
