import type { CheckOutcome, SmokeCheck } from '../check.js';
import { NOTHING_LISTED } from '../check.js';
import { compileSchema } from '../json-schema.js';

/** Tool names as the spec allows them. */
const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
/** What most LLM APIs accept for a (prefixed) function name. */
const CLIENT_LIMIT = 64;

/**
 * Tool names the spec allows, unique, and short enough with the client's prefix; schemas that
 * compile; a description for each tool (a warning: models choose tools by it).
 */
export const namesAndSchemas: SmokeCheck = {
  name: 'names and schemas',
  async run({ input, listed }): Promise<CheckOutcome> {
    if (listed === undefined) return NOTHING_LISTED;
    const { tools } = listed;
    const prefix = input.clientPrefix.replaceAll('{server}', input.server.name);
    const problems: string[] = [];
    const warnings: string[] = [];
    const seen = new Set<string>();
    for (const tool of tools) {
      if (!TOOL_NAME.test(tool.name))
        problems.push(`tool name ${JSON.stringify(tool.name)} does not match ${TOOL_NAME.source}`);
      if (seen.has(tool.name)) problems.push(`tool name "${tool.name}" is used twice`);
      seen.add(tool.name);
      const full = prefix + tool.name;
      if (full.length > CLIENT_LIMIT) {
        problems.push(
          `"${full}" is ${full.length} characters with the client prefix "${prefix}"; most clients allow ${CLIENT_LIMIT}`,
        );
      }
      for (const [which, schema] of [
        ['inputSchema', tool.inputSchema],
        ['outputSchema', tool.outputSchema],
      ] as const) {
        if (schema === undefined) continue;
        try {
          compileSchema(schema);
        } catch (error) {
          problems.push(
            `tool "${tool.name}" ${which} is not a valid JSON Schema: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
      }
      if (tool.description === undefined || tool.description.trim() === '') {
        warnings.push(`tool "${tool.name}" has no description: models choose tools by it`);
      }
    }
    if (problems.length > 0)
      return {
        status: 'fail',
        message: problems[0] ?? '',
        details: [...problems.slice(1), ...warnings],
      };
    if (warnings.length > 0)
      return { status: 'warn', message: warnings[0] ?? '', details: warnings.slice(1) };
    if (tools.length === 0) return { status: 'pass', message: 'no tools' };
    const longest = Math.max(...tools.map((t) => (prefix + t.name).length));
    return {
      status: 'pass',
      message: `${tools.length} tool names and their schemas are valid; the longest is ${longest} characters with the prefix "${prefix}"`,
    };
  },
};
