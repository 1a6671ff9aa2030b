import { Ajv as Ajv07, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

type AnyAjv =
  InstanceType<typeof Ajv2020> | InstanceType<typeof Ajv07> | InstanceType<typeof Ajv2019>;

type Dialect = '2020-12' | '2019-09' | 'draft-07';

const OPTIONS = { strict: false, allErrors: true, validateFormats: true } as const;

/** One Ajv per dialect for the whole run: making one (with its formats) costs far more than a compile. */
const validators = new Map<Dialect, AnyAjv>();

/**
 * The dialect a schema declares: MCP (2025-11-25) takes JSON Schema 2020-12 when `$schema` is
 * absent, and the SDK's zod conversion declares draft-07.
 */
function dialectOf(schema: unknown): Dialect {
  const declared = (schema as { $schema?: unknown } | null)?.$schema;
  if (declared === undefined || (typeof declared === 'string' && declared.includes('2020-12')))
    return '2020-12';
  if (typeof declared === 'string' && declared.includes('2019-09')) return '2019-09';
  if (typeof declared === 'string' && /draft-0[67]/.test(declared)) return 'draft-07';
  throw new Error(
    `unsupported $schema ${JSON.stringify(declared)}; use JSON Schema 2020-12 (or draft-07)`,
  );
}

/** The (cached) Ajv for the dialect `schema` declares; throws for a dialect it does not know. */
export function ajvFor(schema: unknown): AnyAjv {
  const dialect = dialectOf(schema);
  let ajv = validators.get(dialect);
  if (ajv === undefined) {
    ajv =
      dialect === '2020-12'
        ? new Ajv2020(OPTIONS)
        : dialect === '2019-09'
          ? new Ajv2019(OPTIONS)
          : new Ajv07(OPTIONS);
    (addFormats as unknown as (a: AnyAjv) => void)(ajv);
    validators.set(dialect, ajv);
  }
  return ajv;
}

/**
 * Compiles `schema`, or throws saying why it is not a valid JSON Schema. The shared Ajv forgets it
 * afterwards: two servers' schemas may carry the same `$id`, which Ajv would refuse the second time.
 */
export function compileSchema(schema: object): {
  validate: ValidateFunction;
  /** The last validation's errors, as one line. */
  errorsText: () => string;
} {
  const ajv = ajvFor(schema);
  const validate = ajv.compile(schema);
  ajv.removeSchema(schema);
  return { validate, errorsText: () => ajv.errorsText(validate.errors) };
}
