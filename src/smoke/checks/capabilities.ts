import { surfaceOf } from '../../server/surface.js';
import type { SmokeCheck } from '../check.js';

/** Every kind the server's capabilities declare lists (following pages). */
export const capabilities: SmokeCheck = {
  name: 'capabilities',
  async run(context) {
    const { session } = context.instance;
    const surface = await session.listRaw(10_000);
    context.listed = surface;
    context.surface = surfaceOf(surface);
    const declared = Object.keys(session.client.getServerCapabilities() ?? {}).sort();
    return {
      status: 'pass',
      message: `${surface.tools.length} tools, ${surface.resources.length} resources, ${surface.resourceTemplates.length} resource templates, ${surface.prompts.length} prompts (declared: ${declared.join(', ') || 'nothing'})`,
    };
  },
};
