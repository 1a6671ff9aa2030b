// The smoke checks' JSON Schema validators: one Ajv per dialect for the whole run, which still
// compiles every schema it is given, two with the same $id included.
import { describe, expect, it } from 'vitest';
import { ajvFor, compileSchema } from '../../src/smoke/json-schema.js';

const DRAFT_07 = 'http://json-schema.org/draft-07/schema#';

describe('ajvFor', () => {
  it('gives one Ajv per dialect, made once', () => {
    const implicit = ajvFor({ type: 'object' });
    expect(ajvFor({ $schema: 'https://json-schema.org/draft/2020-12/schema' })).toBe(implicit);
    const draft07 = ajvFor({ $schema: DRAFT_07 });
    expect(draft07).not.toBe(implicit);
    expect(ajvFor({ $schema: DRAFT_07, type: 'string' })).toBe(draft07);
    expect(ajvFor({ $schema: 'https://json-schema.org/draft/2019-09/schema' })).not.toBe(draft07);
  });

  it('refuses a dialect it does not know, saying which', () => {
    expect(() => ajvFor({ $schema: 'http://json-schema.org/draft-04/schema#' })).toThrow(
      'unsupported $schema "http://json-schema.org/draft-04/schema#"; use JSON Schema 2020-12 (or draft-07)',
    );
  });
});

describe('compileSchema', () => {
  it('compiles two different schemas with the same $id (two servers may share one)', () => {
    const first = compileSchema({
      $id: 'https://example.com/shared.json',
      type: 'object',
      required: ['a'],
    });
    const second = compileSchema({ $id: 'https://example.com/shared.json', type: 'string' });
    expect(first.validate({ a: 1 })).toBe(true);
    expect(first.validate({})).toBe(false);
    expect(first.errorsText()).toBe("data must have required property 'a'");
    expect(second.validate('x')).toBe(true);
  });

  it('throws for a schema that is not valid', () => {
    expect(() => compileSchema({ type: 'no-such-type' })).toThrow(/type must be/);
  });
});
