import { Severity, VALUE_RULES } from './checks';
import { CheckResult } from './validation-report';
import { TypedValue } from '../engines/query-engine';
import { CHECKED_TABLES, CheckedTableName, KpiColumn } from '../kpis/catalog';
import { DayWindow, daysFrom, isAllDays } from '../kpis/day-window';

/** What a table's checks conclude from the aggregates its statement (and the bronze pass) returned. */

type Row = Readonly<Record<string, TypedValue>>;

/** Windows longer than this are not checked day by day for emptiness. */
const MAX_LISTED_DAYS = 3660;

/** Days of a bounded window with neither rows nor events are worth a warning (nothing landed yet?). */
export function checksEmptyDays(table: CheckedTableName, window: DayWindow): boolean {
  if (CHECKED_TABLES[table].allTime || isAllDays(window)) return false;
  return daysFrom(window.fromDate, window.toDate).length <= MAX_LISTED_DAYS;
}

/** A comparison of a table (or a view of it) with rows it should equal, keyed by grain: the columns its result has. */
export interface ComparedRows {
  readonly prefix: string;
  readonly check: string;
  readonly expected: string;
  readonly against: string;
  readonly grain: readonly KpiColumn[];
  readonly values: readonly KpiColumn[];
}

/** A result column a check needs is absent or NULL: the check fails, naming it, rather than reading 0. */
class MissingResult extends Error {}

/** The count in `name`, which the statement always returns: absent or NULL means the answer cannot be trusted. */
function countIn(row: Row, name: string): number {
  const value = row[name];
  if (value === undefined) throw new MissingResult(`the result has no column "${name}"`);
  if (value === null) throw new MissingResult(`the result column "${name}" is NULL`);
  const n = Number(value);
  if (!Number.isFinite(n)) throw new MissingResult(`the result column "${name}" is not a number (${String(value)})`);
  return n;
}

const optional = (value: TypedValue | undefined) => (value === null || value === undefined ? undefined : String(value));

/** The checks of a table from its statement's one row (with its bronze pass columns for a daily table). */
/** What a table's verdicts depend on beyond its row: the days checked, and the newest day a daily table must reach. */
export interface VerdictOptions {
  readonly window: DayWindow;
  /** @default - the newest day with valid events in bronze, within the window */
  readonly expectedLatestDay?: string;
}

export function evaluateTable(table: CheckedTableName, row: Row, options: VerdictOptions, comparisons: readonly ComparedRows[]): CheckResult[] {
  const catalog = CHECKED_TABLES[table];
  const daily = !catalog.allTime;
  const results: CheckResult[] = [];
  const check = (name: string, severity: Severity, expected: string, outcome: () => { passed: boolean; observed: string; severity?: Severity }) => {
    try {
      const result = outcome();
      results.push({ table, check: name, severity: result.severity ?? severity, passed: result.passed, observed: result.observed, expected });
    } catch (e) {
      if (!(e instanceof MissingResult)) throw e;
      results.push({ table, check: name, severity, passed: false, observed: e.message, expected });
    }
  };
  const n = (name: string) => countIn(row, name);
  const scope = daily ? ' in the window' : '';

  check('rows-present', 'error', `at least 1 row${scope}`, () => {
    const rows = n('row_count');
    // Nothing to count (an empty day, nothing landed yet) is worth a look, not a failure; rows the
    // table should have and does not are an error.
    const wanted = daily ? n('bronze_events') : n(`${comparisons[0].prefix}_missing_rows`);
    return {
      passed: rows > 0,
      severity: rows === 0 && wanted === 0 ? 'warn' : 'error',
      observed: rows === 0 && wanted === 0 ? `no rows${scope}, and none expected: no valid events${scope}` : `${plural(rows, 'row')}${scope}`,
    };
  });
  if (checksEmptyDays(table, options.window)) {
    check('empty-days', 'warn', 'every day of the window has events', () => {
      const empty = n('empty_days');
      const list = String(row.empty_day_list ?? '');
      return {
        passed: empty === 0,
        observed: empty === 0 ? 'every day has events' : `${plural(empty, 'day')} without events or rows: ${list}${empty > 5 ? ', ...' : ''} (nothing landed yet for them?)`,
      };
    });
  }
  if (daily) {
    check('days-covered', 'error', 'a row set for every day with valid bronze events', () => {
      const missing = n('missing_days');
      const list = String(row.missing_day_list ?? '');
      return { passed: missing === 0, observed: missing === 0 ? 'every day with bronze events has rows' : `${plural(missing, 'day')} without rows: ${list}${missing > 5 ? ', ...' : ''}` };
    });
  }
  check('keys-not-null', 'error', 'no NULL grain columns', () => ({
    passed: n('null_key_rows') === 0, observed: `${plural(n('null_key_rows'), 'row')} with a NULL in ${catalog.grain.join(', ')}`,
  }));
  check('unique-grain', 'error', `one row per ${catalog.grain.join(' + ')}`, () => {
    const duplicates = n('duplicate_rows');
    return {
      passed: duplicates === 0,
      observed: duplicates === 0 ? 'every grain appears once' : `${plural(duplicates, 'duplicate row')}, e.g. ${describeKey(catalog.grain.map((g) => [g, row[`duplicate_${g}`]]))}`,
    };
  });
  VALUE_RULES[table].forEach((rule, i) => check(rule.check, rule.severity, rule.expected, () => {
    const bad = n(`rule${i}_rows`);
    const range = rule.range ? ` (min ${format(row[`rule${i}_min`])}, max ${format(row[`rule${i}_max`])})` : '';
    return { passed: bad === 0, observed: `${plural(bad, 'row')} breaking it${range}` };
  }));
  for (const c of comparisons) check(c.check, 'error', c.expected, () => evaluateComparison(c, row));
  if (daily) {
    // The manifest's newest day holds events, but not necessarily the events this table counts (a night
    // just after 00:00 UTC whose first minutes saw no faulty sensor): a table is not stale for lacking a
    // day on which bronze gives it no row. Its own newest day in bronze caps what is wanted; events lost
    // before bronze are the manifest's day counts' failure, not freshness's.
    const bronzeLatest = optional(row.bronze_latest_day);
    const earliest = (...days: Array<string | undefined>) => days.filter((d): d is string => d !== undefined).sort()[0];
    const wanted = options.expectedLatestDay
      ? earliest(options.expectedLatestDay, options.window.toDate, bronzeLatest)
      : bronzeLatest;
    const expected = options.expectedLatestDay && earliest(options.expectedLatestDay, options.window.toDate);
    const capped = expected !== undefined && bronzeLatest !== undefined && bronzeLatest < expected;
    const source = !expected ? 'the newest day in bronze' : capped ? 'the newest day in bronze with rows for it, before the expected one' : 'as expected';
    check('fresh', 'error', wanted ? `>= ${wanted} (${source})` : 'nothing: no valid bronze events in the window', () => {
      n('bronze_events');
      const latest = optional(row.latest_day);
      return { passed: wanted === undefined || (latest !== undefined && latest >= wanted), observed: `latest day ${latest ?? 'none'}` };
    });
  }
  return results;
}

function evaluateComparison(c: ComparedRows, row: Row): { passed: boolean; observed: string } {
  const p = c.prefix;
  const differing = countIn(row, `${p}_differing`);
  const compared = countIn(row, `${p}_rows`);
  const total = row[`${p}_actual_total`] !== undefined && c.values[0]
    ? `; ${c.values[0].name} total ${format(row[`${p}_actual_total`])} vs ${c.against} ${format(row[`${p}_wanted_total`])}`
    : '';
  let observed = `${plural(compared, 'row')} compared, all equal${total}`;
  if (differing > 0) {
    const key = describeKey(c.grain.map((g) => [g.name, row[`${p}_key_${g.name}`]]));
    let example: string;
    if (row[`${p}_missing`] === true) {
      example = `${key} is missing`;
    } else if (row[`${p}_unexpected`] === true) {
      example = `${key} is not in ${c.against}`;
    } else {
      example = `${key}: ${c.values
        .filter((v) => format(row[`${p}_actual_${v.name}`]) !== format(row[`${p}_wanted_${v.name}`]))
        .map((v) => `${v.name} ${format(row[`${p}_actual_${v.name}`])} vs ${c.against} ${format(row[`${p}_wanted_${v.name}`])}`)
        .join(', ')}`;
    }
    observed = `${differing} of ${compared} rows differ (${countIn(row, `${p}_missing_rows`)} missing, ${countIn(row, `${p}_unexpected_rows`)} unexpected)${total}; e.g. ${example}`;
  }
  return { passed: differing === 0, observed };
}

function describeKey(parts: ReadonlyArray<readonly [string, TypedValue | undefined]>): string {
  return parts.map(([name, value]) => `${name}=${format(value)}`).join(', ');
}

/** Values as a person reads them: doubles to 12 significant digits, NULL spelled out. */
export function format(value: TypedValue | undefined): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number' && !Number.isInteger(value)) return String(Number(value.toPrecision(12)));
  return String(value);
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
