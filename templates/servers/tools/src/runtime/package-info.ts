import { readFileSync } from 'node:fs';
import { z } from 'zod';

const PackageJson = z.object({
  name: z.string().min(1),
  version: z.string().min(1),
  description: z.string().optional(),
});

// This server's name, version and description, read from its package.json at start-up, so that
// renaming a server is an edit of package.json alone. The relative path holds from `src/runtime/`
// (run by Node directly) and from `dist/runtime/` (compiled): both sit two levels below it.
const pkg = PackageJson.parse(
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')),
);

/**
 * The MCP server name is the package name without its npm scope: `@my-workspace/weather` serves
 * as `weather`, the name it has in mcpx.json.
 */
export const packageInfo = { ...pkg, name: pkg.name.replace(/^@[^/]+\//, '') };
