import { isDay } from '../kpis/day-window';

/**
 * An ISO 8601 time with its zone: a day, hours and minutes, optional seconds and milliseconds, then
 * `Z` or `±HH:MM`. A time without a zone would silently mean the machine's. The Spark jobs' `--as-of`
 * (spark/clickstream_jobs/arguments.py utc_time) reads the same grammar: test/fixtures/argument-corpus.json.
 */
const AS_OF = /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,3})?)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

/** In years 0001 to 9999, UTC: what `--as-of` can say with four digits. */
const FOUR_DIGIT_YEAR = /^(?!0000)\d{4}-/;

/**
 * A command's `--as-of` time (the pipeline's now, for replaying history), checked once: e.g.
 * 2026-11-27T03:30:00Z. Only real days and times: Date alone would read 2026-02-30 as March 2.
 */
export function parseAsOf(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const match = AS_OF.exec(value);
  const at = match && isDay(match[1]) ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(at.getTime()) || !FOUR_DIGIT_YEAR.test(at.toISOString())) {
    throw new Error(`--as-of must be a time with its zone, e.g. 2026-11-27T03:30:00Z, got "${value}".`);
  }
  return at;
}

/** The jobs' `--as-of` value: the time to the second, UTC (`2026-11-27T03:30:00Z`). */
export function asOfArgument(asOf: Date): string {
  if (Number.isNaN(asOf.getTime())) throw new Error('The run\'s time (--as-of) is not a valid date.');
  return `${asOf.toISOString().slice(0, 19)}Z`;
}
