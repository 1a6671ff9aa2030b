import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

interface Conversion {
  quantity: 'length' | 'mass' | 'temperature';
  factor: number;
  offset?: number;
}

/**
 * Each unit as a linear map to its quantity's base unit (metre, kilogram, kelvin):
 * `base = value * factor + offset`. Only temperatures need the offset.
 */
const CONVERSIONS = {
  mm: { quantity: 'length', factor: 0.001 },
  cm: { quantity: 'length', factor: 0.01 },
  m: { quantity: 'length', factor: 1 },
  km: { quantity: 'length', factor: 1000 },
  in: { quantity: 'length', factor: 0.0254 },
  ft: { quantity: 'length', factor: 0.3048 },
  yd: { quantity: 'length', factor: 0.9144 },
  mi: { quantity: 'length', factor: 1609.344 },
  mg: { quantity: 'mass', factor: 1e-6 },
  g: { quantity: 'mass', factor: 0.001 },
  kg: { quantity: 'mass', factor: 1 },
  t: { quantity: 'mass', factor: 1000 },
  oz: { quantity: 'mass', factor: 0.028349523125 },
  lb: { quantity: 'mass', factor: 0.45359237 },
  C: { quantity: 'temperature', factor: 1, offset: 273.15 },
  F: { quantity: 'temperature', factor: 5 / 9, offset: 273.15 - (32 * 5) / 9 },
  K: { quantity: 'temperature', factor: 1 },
} satisfies Record<string, Conversion>;

type Unit = keyof typeof CONVERSIONS;
// Object.keys() is typed string[]; these are exactly the keys above.
const UNITS = Object.keys(CONVERSIONS) as Unit[];

function unitsOf(quantity: Conversion['quantity']): string {
  return UNITS.filter((unit) => CONVERSIONS[unit].quantity === quantity).join(', ');
}

function failure(text: string) {
  return { isError: true, content: [{ type: 'text' as const, text }] };
}

/** Registers `convert_units`: converts a value between units of length, mass or temperature. */
export function registerConvertUnits(server: McpServer): void {
  server.registerTool(
    'convert_units',
    {
      title: 'Convert units',
      description: `Convert a value between units of the same quantity. Length: ${unitsOf('length')}. Mass: ${unitsOf('mass')}. Temperature: ${unitsOf('temperature')} (degrees Celsius, degrees Fahrenheit, kelvin).`,
      inputSchema: {
        value: z.number().describe('The value to convert.'),
        from: z.enum(UNITS).describe('Unit of the value.'),
        to: z.enum(UNITS).describe('Unit to convert to; must measure the same quantity.'),
      },
      outputSchema: {
        value: z.number(),
        from: z.enum(UNITS),
        to: z.enum(UNITS),
        quantity: z.string().describe('What the units measure: length, mass or temperature.'),
        result: z.number().describe('The value in the target unit, to 12 significant digits.'),
      },
      annotations: {
        readOnlyHint: true,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: false,
      },
    },
    ({ value, from, to }) => {
      const source: Conversion = CONVERSIONS[from];
      const target: Conversion = CONVERSIONS[to];
      // Reported as a tool result with isError, not a protocol error, so the model can fix its call.
      if (source.quantity !== target.quantity) {
        return failure(
          `Cannot convert ${from} (${source.quantity}) to ${to} (${target.quantity}). Units of ${source.quantity}: ${unitsOf(source.quantity)}.`,
        );
      }
      const base = value * source.factor + (source.offset ?? 0);
      if (source.quantity === 'temperature' && base < 0) {
        return failure(
          `${value} ${from} is below absolute zero (0 K), so it is not a temperature.`,
        );
      }
      // toPrecision drops binary floating-point noise such as 0.30000000000000004.
      const result = Number(((base - (target.offset ?? 0)) / target.factor).toPrecision(12));
      const output = { value, from, to, quantity: source.quantity, result };
      return {
        structuredContent: output,
        content: [{ type: 'text', text: JSON.stringify(output) }],
      };
    },
  );
}
