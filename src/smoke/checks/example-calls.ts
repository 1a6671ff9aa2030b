import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { SmokeCase } from '../../manifest/schema.js';
import type { SmokeCheck } from '../check.js';
import { compileSchema } from '../json-schema.js';

/** The declared cases: a tool called, a resource read or a prompt got, and the result checked. */
export const exampleCalls: SmokeCheck = {
  name: 'example calls',
  async run({ input, instance, listed }) {
    const { cases } = input;
    const { name } = input.server;
    if (cases.length === 0) {
      return {
        status: 'skip',
        message: `no cases; add "smoke": {"cases": [...]} to ${name} in mcpx.json`,
      };
    }
    const failures: string[] = [];
    for (const c of cases) {
      const problem = await runCase(instance.session.client, c, listed?.tools ?? []);
      if (problem !== undefined) failures.push(`${caseName(c)}: ${problem}`);
    }
    return failures.length === 0
      ? { status: 'pass', message: `${cases.length} of ${cases.length} cases passed` }
      : {
          status: 'fail',
          message: `${failures.length} of ${cases.length} cases failed`,
          details: failures,
        };
  },
};

function caseName(c: SmokeCase): string {
  if (c.name !== undefined) return c.name;
  const target =
    c.tool !== undefined
      ? `tool ${c.tool}`
      : c.resource !== undefined
        ? `resource ${c.resource}`
        : `prompt ${c.prompt ?? ''}`;
  return `${target}${c.arguments === undefined ? '' : ` ${JSON.stringify(c.arguments)}`}`;
}

/** Runs one case; undefined when it met its expectations, else what went wrong. */
async function runCase(
  client: Client,
  c: SmokeCase,
  tools: readonly Tool[],
): Promise<string | undefined> {
  const timeout = c.timeout ?? 5000;
  const expectError = c.expect?.error ?? false;
  let text: string;
  let structured: unknown;
  let isError = false;
  const t = performance.now();
  try {
    if (c.tool !== undefined) {
      const result = (await client.callTool(
        { name: c.tool, arguments: c.arguments ?? {} },
        undefined,
        { timeout },
      )) as CallToolResult;
      isError = result.isError === true;
      text = result.content
        .map((block) => (block.type === 'text' ? block.text : `[${block.type}]`))
        .join('\n');
      structured = result.structuredContent;
      const schema = tools.find((tool) => tool.name === c.tool)?.outputSchema;
      if (!isError && schema !== undefined) {
        if (structured === undefined)
          return 'the tool has an outputSchema but returned no structuredContent';
        const { validate, errorsText } = compileSchema(schema);
        if (!validate(structured))
          return `structuredContent does not match the outputSchema: ${errorsText()}`;
      }
    } else if (c.resource !== undefined) {
      const result = await client.readResource({ uri: c.resource }, { timeout });
      text = result.contents
        .map((content) => ('text' in content ? content.text : '[blob]'))
        .join('\n');
    } else {
      const args = Object.fromEntries(
        Object.entries(c.arguments ?? {}).map(([k, v]) => [k, String(v)]),
      );
      const result = await client.getPrompt({ name: c.prompt ?? '', arguments: args }, { timeout });
      text = result.messages
        .map((m) => (m.content.type === 'text' ? m.content.text : `[${m.content.type}]`))
        .join('\n');
    }
  } catch (error) {
    if (expectError) return undefined;
    return `failed: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (performance.now() - t > timeout)
    return `took ${Math.round(performance.now() - t)} ms; the limit is ${timeout} ms`;
  if (isError !== expectError) {
    return isError ? `returned isError: ${text.slice(0, 200)}` : 'expected an error, got a result';
  }
  const expect = c.expect ?? {};
  if (expect.text !== undefined && !text.includes(expect.text)) {
    return `expected the text to contain ${JSON.stringify(expect.text)}, got ${JSON.stringify(text.slice(0, 200))}`;
  }
  if (expect.matches !== undefined && !new RegExp(expect.matches).test(text)) {
    return `expected the text to match /${expect.matches}/, got ${JSON.stringify(text.slice(0, 200))}`;
  }
  if (expect.structured !== undefined) {
    const mismatch = partialMismatch(expect.structured, structured, 'structuredContent');
    if (mismatch !== undefined) return mismatch;
  }
  return undefined;
}

/** Where `actual` differs from the fields `expected` names (arrays compare whole); undefined if nowhere. */
export function partialMismatch(
  expected: unknown,
  actual: unknown,
  path: string,
): string | undefined {
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) {
      return `${path}: expected an object, got ${JSON.stringify(actual)}`;
    }
    for (const [key, value] of Object.entries(expected)) {
      const problem = partialMismatch(
        value,
        (actual as Record<string, unknown>)[key],
        `${path}.${key}`,
      );
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  return JSON.stringify(expected) === JSON.stringify(actual)
    ? undefined
    : `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
}
