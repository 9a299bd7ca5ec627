import { EVENT_FIELDS, EventField } from '../events/schema';

/**
 * Firehose's error code for a record its deserializer cannot read into the table schema;
 * the message says which field and why.
 */
export const CONVERSION_ERROR_CODE = 'DataFormatConversion.MalformedData';

export type Conversion =
  | { readonly ok: true; readonly row: Record<string, unknown> }
  | { readonly ok: false; readonly errorCode: string; readonly errorMessage: string };

const INT32 = { min: -2_147_483_648, max: 2_147_483_647 };

class Mismatch extends Error {}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'number' && !Number.isInteger(value) ? 'fractional number' : typeof value;
}

function conform(value: unknown, type: EventField['type'], path: string): unknown {
  if (value === undefined) throw new Mismatch(`missing field ${path}`);
  const mismatch = () => new Mismatch(`field ${path}: expected ${typeof type === 'string' ? type : 'struct'}, got ${describe(value)} ${JSON.stringify(value)}`);
  if (typeof type !== 'string') {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw mismatch();
    const object = value as Record<string, unknown>;
    return Object.fromEntries(type.struct.map((f) => [f.name, conform(object[f.name], f.type, `${path}.${f.name}`)]));
  }
  switch (type) {
    case 'int':
      if (!Number.isInteger(value) || (value as number) < INT32.min || (value as number) > INT32.max) throw mismatch();
      return value;
    case 'bigint':
      if (!Number.isSafeInteger(value)) throw mismatch();
      return value;
    case 'double':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw mismatch();
      return value;
    case 'string':
      if (typeof value !== 'string') throw mismatch();
      return value;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Converts one Kinesis record to a row of the event schema, as Firehose's JSON->Parquet
 * conversion does: fields outside the schema are ignored, values are not range-checked (the
 * Spark jobs exclude out-of-range rows), and duplicates are not removed. Unlike the OpenX
 * SerDe, a missing or null field is an error: every column of the event is required.
 */
export function convertRecord(data: Uint8Array): Conversion {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(data));
  } catch (e) {
    return { ok: false, errorCode: CONVERSION_ERROR_CODE, errorMessage: `not valid JSON: ${(e as Error).message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, errorCode: CONVERSION_ERROR_CODE, errorMessage: `not a JSON object: ${describe(value)}` };
  }
  try {
    const object = value as Record<string, unknown>;
    return { ok: true, row: Object.fromEntries(EVENT_FIELDS.map((f) => [f.name, conform(object[f.name], f.type, f.name)])) };
  } catch (e) {
    if (e instanceof Mismatch) return { ok: false, errorCode: CONVERSION_ERROR_CODE, errorMessage: e.message };
    throw e;
  }
}
