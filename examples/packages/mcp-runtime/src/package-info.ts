import { readFileSync } from 'node:fs';
import { z } from 'zod';

const PackageJson = z.object({
  name: z.string().min(1),
  version: z.string().min(1),
  description: z.string().optional(),
});

/** A server's name, version and description, as it introduces itself to clients. */
export type PackageInfo = z.infer<typeof PackageJson>;

/**
 * Reads a server's package.json (at start-up, so that renaming a server is an edit of package.json
 * alone). The MCP server name is the package name without its npm scope: `@my-workspace/weather`
 * serves as `weather`, the name it has in mcpx.json.
 */
export function readPackageInfo(packageJson: URL): PackageInfo {
  const pkg = PackageJson.parse(JSON.parse(readFileSync(packageJson, 'utf8')));
  return { ...pkg, name: pkg.name.replace(/^@[^/]+\//, '') };
}
