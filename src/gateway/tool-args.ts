import { McpxError } from '../errors.js';

/**
 * The arguments of `mcpx call`: the `--args` JSON object, then each `key=value` on top of it.
 * A value is JSON when it parses as JSON (`n=3` is a number, `tags=["a"]` an array, `ok=true` a
 * boolean), else the string as typed (`city=Paris`); quote it as JSON to keep a string that looks
 * like JSON (`n='"3"'`).
 */
export function toolArguments(
  tool: string,
  json: string | undefined,
  pairs: readonly string[],
): Record<string, unknown> {
  const result: Record<string, unknown> = json === undefined ? {} : argsObject(tool, json);
  pairs.forEach((pair, index) => {
    const at = pair.indexOf('=');
    if (at <= 0) {
      throw new McpxError(
        `Argument ${index + 2} of \`mcpx call\`, "${pair}", is not key=value${at === 0 ? ' (the key is empty)' : ''}.`,
        {
          hint: `pass each argument as key=value, e.g. \`mcpx call ${tool} text=hello count=3\`, or all of them with --args '{"text":"hello"}'; ${SCHEMAS}`,
        },
      );
    }
    result[pair.slice(0, at)] = jsonOrString(pair.slice(at + 1));
  });
  return result;
}

/** Where the arguments a tool takes are shown: the examples' names are only examples. */
const SCHEMAS = "`mcpx tools --json` shows each tool's input schema";

function argsObject(tool: string, json: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new McpxError(`--args is not valid JSON: ${(error as Error).message}.`, {
      hint: `pass a JSON object in single quotes, e.g. \`mcpx call ${tool} --args '{"text":"hello"}'\`; ${SCHEMAS}`,
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    throw new McpxError(`--args must be a JSON object of the tool's arguments; it is ${kind}.`, {
      hint: `e.g. \`mcpx call ${tool} --args '{"text":"hello"}'\`; ${SCHEMAS}`,
    });
  }
  return { ...(value as Record<string, unknown>) };
}

function jsonOrString(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
