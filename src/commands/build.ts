import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { BaseCommand } from '../cli/base-command.js';
import { dirFlag } from '../cli/flags.js';
import { sanitizeText } from '../sanitize.js';
import { type BuildResult, build } from '../services/build.js';

export default class Build extends BaseCommand {
  static override summary =
    'Write a Containerfile per server and for the gateway, and build the images.';
  static override description = `Writes deploy/images/<name>/Containerfile for each server of mcpx.json (url servers excepted) and for the gateway, and a .dockerignore, then builds each image with the first builder on PATH: podman, buildah or docker. With --print, or with none of them, it prints the commands instead.

A server of the npm workspace with src/http.ts runs that HTTP entry in its image, whatever its dev transport: npm ci --omit=dev -w <its folder> in a build stage (package-lock.json required), then its folder as /app with the installed node_modules, as uid 65532, HOST=0.0.0.0, PORT=8080, with a HEALTHCHECK on /healthz. Any other command (npx some-mcp, a stdio-only package) runs behind mcpx bridge, which serves its stdio as Streamable HTTP. The gateway image runs mcpx gateway over /etc/mcpx/members.json.

Images are named [<registry>/]mcpx-<name>:<tag>, as mcpx k8s render expects. Exits with 2 for bad input (nothing is written then) and 1 when the builder fails.`;

  static override examples = [
    { command: '<%= config.bin %> build', description: 'Every server and the gateway.' },
    { command: '<%= config.bin %> build docs --tag 1.2.0', description: 'One server.' },
    {
      command: '<%= config.bin %> build --print --image-registry ghcr.io/acme',
      description: 'Write the files and print the build commands (for CI with kaniko or BuildKit).',
    },
  ];

  static override args = {
    server: Args.string({ description: 'One server, or "gateway"; none for all of them.' }),
  };

  static override flags = {
    dir: dirFlag,
    print: Flags.boolean({
      summary: 'Write the files and print the build commands; build nothing.',
      default: false,
    }),
    tag: Flags.string({ summary: 'Image tag.', default: 'dev' }),
    'image-registry': Flags.string({ summary: 'Registry and path before the image names.' }),
    'base-image': Flags.string({
      summary: 'Another Node 24 base image (--build-arg NODE_IMAGE).',
      description: 'Default docker.io/library/node:24-bookworm-slim.',
    }),
  };

  async run(): Promise<BuildResult> {
    const { args, flags } = await this.parse(Build);
    const quiet = this.jsonEnabled();
    const say = (line: string): void => {
      if (!quiet) process.stderr.write(`${sanitizeText(line)}\n`);
    };
    const result = await build({
      dir: flags.dir,
      server: args.server,
      tag: flags.tag,
      registry: flags['image-registry'],
      baseImage: flags['base-image'],
      print: flags.print,
      mcpxRoot: this.config.root,
      onStep: say,
      // The builder's output quotes RUN steps: shown, never obeyed by the terminal.
      onBuilderLine: say,
    });
    if (quiet) return result;
    const { formatBuildResult } = await import('../ui/build-result.js');
    this.log(formatBuildResult(result));
    return result;
  }
}
