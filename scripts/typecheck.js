// Typechecks every TypeScript project in the repo: mcpx itself, its tests, each template (as the
// real project it is), the runtime package, the primitive templates and each example server.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const servers = (dir) =>
  readdirSync(join(root, dir), { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(root, dir, e.name, 'tsconfig.json')))
    .map((e) => `${dir}/${e.name}`);
const projects = [
  'tsconfig.json',
  'test/tsconfig.json',
  'templates/primitives',
  ...servers('templates/packages'),
  ...servers('templates/servers'),
  ...servers('examples/packages'),
  ...servers('examples/servers'),
];

let failed = 0;
for (const project of projects) {
  try {
    execFileSync(process.execPath, [tsc, '-p', join(root, project), '--noEmit'], {
      stdio: 'inherit',
    });
    console.error(`typecheck ok  ${project}`);
  } catch {
    console.error(`typecheck FAILED  ${project}`);
    failed++;
  }
}
process.exitCode = failed === 0 ? 0 : 1;
