import { EVENT_FIELDS, EventField, PrimitiveType } from '../events/schema';

/**
 * The local stand-in for Firehose's record format conversion through the OpenX JSON SerDe, the
 * deserializer our delivery stream uses (infra/stacks/ingestion-stack.ts, `InputFormat.OPENX_JSON`
 * with its defaults). What lands, what lands as NULL and what goes to the errors prefix:
 *
 * | input | here | source |
 * |---|---|---|
 * | bytes that are not JSON (or not UTF-8) | errors/, `ParseError` | [F3333] |
 * | JSON that is not an object (array, scalar) | errors/, `MalformedData` | [DG] "an array of JSON documents is not a valid input"; [F3333]. The Hive OpenX reader maps a top-level array by position [T]: Firehose documents otherwise |
 * | key in other case (`UUID`) | matches its column | [API] CaseInsensitive, default true; [F3521] at every depth. An exact match wins over a case-insensitive one, the first of those otherwise [F3333] (order unprobed) |
 * | key with dots (`location.latitude`) | ignored | [API] ConvertDotsInJsonKeysToUnderscores, default false |
 * | key outside the schema | ignored | [DG] "the converted data will not contain attributes that are not specified in the schema"; [F3521] |
 * | missing key, or `null` | NULL | [F3333], [F3521]; [T] |
 * | int/bigint: integer in range | the value | |
 * | int/bigint: integer out of the type's range | errors/ | [F3333]; [T] says NULL: the readers differ, Firehose probed |
 * | int/bigint: fractional number | errors/ | [F3333]; [T] notes the OpenX SerDe fails on decimals |
 * | int/bigint, double: numeric string (`"12"`, `" 21.5 "`) | the number | [F3521] "a string parses into a numeric member"; [F3333] trims |
 * | int/bigint, double: other string, boolean | errors/ | [F3333] probed: "Data does not match the schema. For input string: ..."; [T] says NULL |
 * | int/bigint, double: object or array | errors/ | [F3333]; [T] |
 * | double: `"NaN"`, `"Infinity"`, a number past the double range | errors/ | [F3333]; [T] reads NaN: the readers differ |
 * | string: number or boolean | its JSON text (`3` -> `"3"`) | [F3521] "coerces a number into text"; [T] |
 * | string: object or array | its JSON text | [F3333], [T]; [F3521]: the Hive SerDe refuses it, OpenX does not |
 * | struct: object | its members by these rules; `{}` has NULL members | [F3521] |
 * | struct: array | its members by position | [F3521] probed |
 * | struct: string, number, boolean | errors/ | [T] "all other types fail"; unprobed on Firehose |
 *
 * Sources: [API] Firehose API Reference, "OpenXJsonSerDe"; [DG] Firehose Developer Guide, "Convert
 * input data format in Amazon Data Firehose" and "Handle errors for data format conversion" (a
 * record that cannot be parsed or deserialized goes to the error prefix); [F3333], [F3521]
 * floci-io/floci pull requests #3333 and #3521 (the behaviour they probed against AWS in
 * us-west-2); [T] trinodb/trino #16073, the README of Trino's OpenX JSON reader (the SerDe as Hive
 * reads it, not Firehose: a second opinion where Firehose is unprobed).
 *
 * What JavaScript cannot see: `JSON.parse` reads `7.0` and `1e3` as the integers 7 and 1000, which
 * Firehose's Jackson reads as fractional (errors/ in an int column); an integer beyond 2^53 loses
 * its last digits (any such timestamp is out of the valid range, so the row is rejected either
 * way); a fractional number becomes text in JavaScript's spelling (`1e21`), not Java's (`1.0E21`).
 * `timestamp` is a Hive keyword ([API], ColumnToJsonKeyMappings): our Glue column keeps that name,
 * the stream maps no keys, so the column is read from the key `timestamp`, as here.
 */

/** Firehose's error code for a record that is not valid JSON ([F3333]). */
export const PARSE_ERROR_CODE = 'DataFormatConversion.ParseError';
/** Firehose's error code for a record whose values do not fit the table schema ([F3333]). */
export const MALFORMED_DATA_CODE = 'DataFormatConversion.MalformedData';

export type Conversion =
  | { readonly ok: true; readonly row: Record<string, unknown> }
  | { readonly ok: false; readonly errorCode: string; readonly errorMessage: string };

/** The integers each type holds: from `min` to just below `below` (2^63 - 1 is not a double). */
const INTEGER_RANGES: Record<'int' | 'bigint', { readonly min: number; readonly below: number }> = {
  int: { min: -(2 ** 31), below: 2 ** 31 },
  bigint: { min: -(2 ** 63), below: 2 ** 63 },
};

/** The decimal forms of Java's `BigInteger(String)` and `Double.parseDouble`, after Firehose's trim ([F3333]). */
const INTEGER_TEXT = /^[+-]?\d+$/;
const DECIMAL_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

class Mismatch extends Error {}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  return typeof value === 'number' && !Number.isInteger(value) ? 'fractional number' : typeof value;
}

/** The value of `name` in `object`: the exact key, else the first key equal to it ignoring case. */
function member(object: Record<string, unknown>, name: string): unknown {
  if (Object.prototype.hasOwnProperty.call(object, name)) return object[name];
  const key = Object.keys(object).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : object[key];
}

function number(value: unknown, type: PrimitiveType, mismatch: () => Mismatch): number {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') throw mismatch();
  const text = value.trim();
  if (!(type === 'double' ? DECIMAL_TEXT : INTEGER_TEXT).test(text)) throw mismatch();
  return Number(text);
}

function conform(value: unknown, type: EventField['type'], path: string): unknown {
  if (value === undefined || value === null) return null;
  const mismatch = () => new Mismatch(`field ${path}: expected ${typeof type === 'string' ? type : 'struct'}, got ${describe(value)} ${JSON.stringify(value)}`);
  if (typeof type !== 'string') {
    if (Array.isArray(value)) return Object.fromEntries(type.struct.map((f, i) => [f.name, conform(value[i], f.type, `${path}.${f.name}`)]));
    if (typeof value !== 'object') throw mismatch();
    const object = value as Record<string, unknown>;
    return Object.fromEntries(type.struct.map((f) => [f.name, conform(member(object, f.name), f.type, `${path}.${f.name}`)]));
  }
  switch (type) {
    case 'int':
    case 'bigint': {
      const n = number(value, type, mismatch);
      if (!Number.isInteger(n) || n < INTEGER_RANGES[type].min || n >= INTEGER_RANGES[type].below) throw mismatch();
      return n;
    }
    case 'double': {
      const n = number(value, type, mismatch);
      if (!Number.isFinite(n)) throw mismatch();
      return n;
    }
    case 'string':
      return typeof value === 'string' ? value : JSON.stringify(value);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Converts one Kinesis record to a row of the event schema as Firehose's OpenX JSON SerDe does (see the table above). */
export function convertRecord(data: Uint8Array): Conversion {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(data));
  } catch (e) {
    return { ok: false, errorCode: PARSE_ERROR_CODE, errorMessage: `not valid JSON: ${(e as Error).message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, errorCode: MALFORMED_DATA_CODE, errorMessage: `not a JSON object: ${value === null ? 'null' : describe(value)}` };
  }
  try {
    const object = value as Record<string, unknown>;
    return { ok: true, row: Object.fromEntries(EVENT_FIELDS.map((f) => [f.name, conform(member(object, f.name), f.type, f.name)])) };
  } catch (e) {
    if (e instanceof Mismatch) return { ok: false, errorCode: MALFORMED_DATA_CODE, errorMessage: e.message };
    throw e;
  }
}
