import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { PrimitiveKind } from '../manifest/roles.js';

/** The package's `templates/` folder (the same from `src/` under vitest and from `dist/`). */
export const TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

/** The JSON Schema of mcpx.json, generated at build time from the zod schema. */
export const MANIFEST_SCHEMA_FILE = fileURLToPath(
  new URL('../../schema/mcpx.schema.json', import.meta.url),
);

export const templatePaths = {
  workspace: join(TEMPLATES_DIR, 'workspace'),
  tsconfigBase: join(TEMPLATES_DIR, 'tsconfig.base.json'),
  server: (template: PrimitiveKind): string => join(TEMPLATES_DIR, 'servers', template),
  primitive: (kind: PrimitiveKind): string =>
    join(TEMPLATES_DIR, 'primitives', `${singular(kind)}.ts`),
  primitiveIndex: (kind: PrimitiveKind): string =>
    join(TEMPLATES_DIR, 'primitives', `${kind}-index.ts`),
};

export function singular(kind: PrimitiveKind): 'tool' | 'resource' | 'prompt' {
  return kind === 'tools' ? 'tool' : kind === 'resources' ? 'resource' : 'prompt';
}
