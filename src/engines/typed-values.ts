import { ResultColumn, TypedValue } from './query-engine';

/** Athena's metadata spells a few types the DDL way; results use Trino's names. */
const TYPE_ALIASES: Readonly<Record<string, string>> = {
  int: 'integer',
  float: 'real',
  string: 'varchar',
};

/** `decimal(10,2)` -> `decimal`, `timestamp(3) with time zone` -> `timestamp with time zone`, `INT` -> `integer`. */
export function baseType(type: string): string {
  const name = type.toLowerCase().replace(/\(.*\)/, '').replace(/\s+/g, ' ').trim();
  return TYPE_ALIASES[name] ?? name;
}

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'integer', 'bigint']);
const FLOAT_TYPES = new Set(['real', 'double']);
const INTEGER_TEXT = /^-?\d+$/;

/**
 * Types one value as {@link TypedValue} documents. `raw` is what the engine sent: always text
 * from Athena, JSON values from Trino (which sends decimals as text, non-finite doubles as
 * `"NaN"`/`"Infinity"`, and big integers as text after {@link parseJsonKeepingIntegers}).
 * @param type the column's base type (see {@link baseType})
 */
export function toTypedValue(type: string, raw: unknown): TypedValue {
  if (raw === null || raw === undefined) return null;
  if (INTEGER_TYPES.has(type)) return toInteger(raw, type);
  if (FLOAT_TYPES.has(type)) return toFloat(raw, type);
  if (type === 'boolean') {
    if (raw === true || raw === 'true') return true;
    if (raw === false || raw === 'false') return false;
    throw unexpected(raw, type);
  }
  return typeof raw === 'string' ? raw : JSON.stringify(raw);
}

function toInteger(raw: unknown, type: string): number | bigint {
  if (typeof raw === 'number' && Number.isSafeInteger(raw)) return raw;
  if (typeof raw === 'string' && INTEGER_TEXT.test(raw)) {
    const value = BigInt(raw);
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  }
  throw unexpected(raw, type);
}

function toFloat(raw: unknown, type: string): number {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'string' && raw.trim() !== '') {
    const value = Number(raw);
    if (!Number.isNaN(value) || raw === 'NaN') return value;
  }
  throw unexpected(raw, type);
}

function unexpected(raw: unknown, type: string): Error {
  return new Error(`Cannot read ${JSON.stringify(raw)} as ${type}.`);
}

/**
 * Long runs of digits outside strings, that are neither part of a fraction nor followed by one.
 * Strings are matched first so that digits inside them are skipped as a whole.
 */
const STRING_OR_LONG_INTEGER = /"(?:[^"\\]|\\.)*"|(?<![\d.])-?\d{16,}(?![\d.eE])/g;

/**
 * JSON.parse, except that integers beyond Number's safe range become strings (which
 * {@link toTypedValue} turns into bigint) instead of silently losing digits. Trino sends bigint
 * values as bare JSON numbers; Node 20's JSON.parse offers no access to their source text.
 */
export function parseJsonKeepingIntegers(text: string): unknown {
  return JSON.parse(text.replace(STRING_OR_LONG_INTEGER, (token) =>
    token.startsWith('"') || Number.isSafeInteger(Number(token)) ? token : `"${token}"`));
}

/** Rows are records, so two columns of one name would silently lose one of them. */
export function assertUniqueNames(what: string, columns: readonly ResultColumn[]): void {
  const seen = new Set<string>();
  for (const { name } of columns) {
    if (seen.has(name)) throw new Error(`${what} returns two columns named "${name}"; give them distinct aliases.`);
    seen.add(name);
  }
}
