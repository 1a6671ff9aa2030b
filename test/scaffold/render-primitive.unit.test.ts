import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { primitiveSpellings } from '../../src/manifest/names.js';
import type { PrimitiveKind } from '../../src/manifest/roles.js';
import { templatePaths } from '../../src/scaffold/templates.js';
import { renderPrimitive } from '../../src/services/new-primitive.js';

/** The primitive's own description in a rendered file (the first `description:`). */
function descriptionOf(source: string): string {
  const literal = /description:\s*('(?:[^'\\\n]|\\.)*')/.exec(source)?.[1];
  if (literal === undefined) throw new Error(`no description in:\n${source}`);
  // A single-quoted literal as JSON: swap the quotes, keep the escapes.
  return JSON.parse(
    `"${literal.slice(1, -1).replaceAll("\\'", "'").replaceAll('"', '\\"')}"`,
  ) as string;
}

describe('renderPrimitive', () => {
  it.each(['tools', 'resources', 'prompts'] as PrimitiveKind[])(
    'gives every new %s a description of its own',
    async (kind) => {
      const template = await readFile(templatePaths.primitive(kind), 'utf8');
      const a = descriptionOf(renderPrimitive(template, primitiveSpellings('get_forecast')));
      const b = descriptionOf(renderPrimitive(template, primitiveSpellings('count_words')));
      expect(a).not.toBe(b);
      expect(a).toMatch(/^Get forecast: /);
      const given = `Looks up the forecast for a city's "next" days \\ in °C.`;
      const rendered = renderPrimitive(template, primitiveSpellings('get_forecast'), given);
      expect(descriptionOf(rendered)).toBe(given);
      // Only the primitive's description changed: the rest is the template with its tokens filled.
      expect(rendered.split('\n').length).toBe(template.split('\n').length);
    },
  );
});
