import { BronzeSource, fromPartialsSql, referenceSql, tableOf, validEventsSql } from './bronze';
import { RECONCILED_COLUMNS, Severity, VALUE_RULES } from './checks';
import { ExpectedRowSet, ExpectedValue } from './expectations';
import { CheckResult } from './report';
import { identifier, joinSql, qualifiedName, sql, Sql } from './sql';
import { QueryParameter, sqlDate, TypedValue } from '../engines/query-engine';
import { CHECKED_TABLES, CheckedTableName, KpiColumn } from '../kpis/catalog';
import { DayWindow, daysFrom, isAllDays } from '../kpis/day-window';

/** Windows longer than this are not checked day by day for emptiness. */
const MAX_LISTED_DAYS = 3660;

/** Days of a bounded window with neither rows nor events are worth a warning (nothing landed yet?). */
function checksEmptyDays(table: CheckedTableName, options: TableQueryOptions): boolean {
  if (CHECKED_TABLES[table].allTime || isAllDays(options.window)) return false;
  return daysFrom(options.window.fromDate, options.window.toDate).length <= MAX_LISTED_DAYS;
}

export interface TableQueryOptions {
  /** The catalog, database and raw table the SQL names, and which landed objects to read; KPI tables are in the same database. */
  readonly source: BronzeSource;
  readonly window: DayWindow;
  /**
   * Also reconcile an all-time table with all of bronze in the source's scope (it is always
   * reconciled with its per-day partials, which are reconciled with bronze on the window's days).
   * @default false
   */
  readonly full?: boolean;
  /** Largest difference between two doubles that still counts as equal. */
  readonly tolerance: number;
  /**
   * The newest day a daily table must reach.
   * @default - the newest day with valid events in bronze, within the window
   */
  readonly expectedLatestDay?: string;
  readonly expectations: readonly ExpectedRowSet[];
}

type Row = Readonly<Record<string, TypedValue>>;

/** One statement that checks one table, and how to read its single result row. */
export interface TableQuery {
  readonly table: CheckedTableName;
  readonly sql: string;
  readonly params: readonly QueryParameter[];
  evaluate(row: Row): CheckResult[];
}

/** A comparison of a table (or a view of it) with rows it should equal, keyed by grain. */
interface Comparison {
  readonly prefix: string;
  readonly check: string;
  readonly expected: string;
  readonly against: string;
  readonly grain: readonly KpiColumn[];
  readonly values: readonly KpiColumn[];
  readonly actual: Sql;
  readonly wanted: Sql;
  /** For daily tables: only these days are compared (a missing day is another check's failure). */
  readonly days?: Sql;
}

/**
 * Renders every data check of one table as one SELECT (Athena charges latency and money per
 * query): a profile of the table's rows, bronze's recomputation joined on the grain, and each set
 * of expected rows, all returned as one row of aggregates and first examples.
 */
export function renderTableQuery(table: CheckedTableName, options: TableQueryOptions): TableQuery {
  const catalog = CHECKED_TABLES[table];
  const daily = !catalog.allTime;
  const columns = new Map<string, KpiColumn>(catalog.columns.map((c) => [c.name, c]));
  const grain = catalog.grain.map((name) => columns.get(name)!);
  const grainIds = joinSql(grain.map((g) => identifier(g.name)), ', ');
  const windowFilter = daily ? sql`WHERE day BETWEEN ${sqlDate(options.window.fromDate)} AND ${sqlDate(options.window.toDate)}` : sql``;
  const rules = VALUE_RULES[table];

  const values = RECONCILED_COLUMNS[table].map((name) => columns.get(name)!);
  const emptyDays = checksEmptyDays(table, options);
  const readsBronze = daily || options.full === true;
  const comparisons: Comparison[] = [];
  if (!daily) {
    comparisons.push({
      prefix: 'partials',
      check: 'matches-partials',
      expected: 'every row equals its recomputation from the per-day partial aggregates',
      against: 'partials',
      grain,
      values,
      actual: sql`SELECT * FROM kpi`,
      wanted: fromPartialsSql(table as 'sensor_health' | 'status_health' | 'event_geo_kpis_faulty_geo', options.source),
    });
  }
  if (readsBronze) {
    comparisons.push({
      prefix: 'recon',
      check: 'matches-bronze',
      expected: 'every row equals its recomputation from valid, de-duplicated bronze events',
      against: 'bronze',
      grain,
      values,
      actual: sql`SELECT * FROM kpi`,
      wanted: sql`SELECT * FROM reference`,
      days: daily ? sql`SELECT day FROM kpi` : undefined,
    });
  }
  options.expectations.forEach((set, i) => comparisons.push(expectedComparison(`expected${i}`, set)));

  const profile = joinSql([
    sql`count(*) AS row_count`,
    sql`count_if(${joinSql(grain.map((g) => sql`${identifier(g.name)} IS NULL`), ' OR ')}) AS null_key_rows`,
    sql`count_if(grain_copy > 1) AS duplicate_rows`,
    ...(daily ? [sql`max(day) AS latest_day`] : []),
    ...rules.flatMap((rule, i) => [
      sql`count_if(NOT coalesce(${rule.ok(options.tolerance)}, false)) AS ${identifier(`rule${i}_rows`)}`,
      ...(rule.range ? [
        sql`min(${identifier(rule.range.min)}) AS ${identifier(`rule${i}_min`)}`,
        sql`max(${identifier(rule.range.max)}) AS ${identifier(`rule${i}_max`)}`,
      ] : []),
    ]),
  ], ',\n    ');

  const ctes: Sql[] = [
    sql`kpi_all AS (
  SELECT *, row_number() OVER (PARTITION BY ${grainIds}) AS grain_copy
  FROM ${tableOf(options.source, table)}
  ${windowFilter}
)`,
    sql`kpi AS (SELECT * FROM kpi_all WHERE grain_copy = 1 AND ${joinSql(grain.map((g) => sql`${identifier(g.name)} IS NOT NULL`), ' AND ')})`,
    ...(readsBronze ? [
      sql`valid_events AS (
  ${validEventsSql(options.source, daily ? options.window : undefined)}
)`,
      sql`reference AS (
  ${referenceSql(table)}
)`,
      sql`bronze_summary AS (SELECT count(*) AS bronze_events, max(day) AS bronze_latest_day FROM valid_events)`,
    ] : []),
    sql`profile AS (
  SELECT ${profile}
  FROM kpi_all
)`,
    sql`duplicate_example AS (
  SELECT ${joinSql(grain.map((g) => sql`${identifier(g.name)} AS ${identifier(`duplicate_${g.name}`)}`), ', ')}
  FROM kpi_all WHERE grain_copy > 1 ORDER BY ${grainIds} LIMIT 1
)`,
    ...(daily ? [sql`coverage AS (
  SELECT count(*) AS missing_days, array_join(slice(array_agg(CAST(b.day AS varchar) ORDER BY b.day), 1, 5), ', ') AS missing_day_list
  FROM (SELECT DISTINCT day FROM valid_events) b
  LEFT JOIN (SELECT DISTINCT day FROM kpi_all) k ON k.day = b.day
  WHERE k.day IS NULL
)`] : []),
    ...(emptyDays ? [sql`quiet AS (
  SELECT count(*) AS empty_days, array_join(slice(array_agg(CAST(w.day AS varchar) ORDER BY w.day), 1, 5), ', ') AS empty_day_list
  FROM UNNEST(sequence(${sqlDate(options.window.fromDate)}, ${sqlDate(options.window.toDate)}, INTERVAL '1' DAY)) AS w (day)
  WHERE w.day NOT IN (SELECT day FROM kpi_all) AND w.day NOT IN (SELECT day FROM valid_events)
)`] : []),
    ...comparisons.flatMap((c) => comparisonCtes(c, options.tolerance)),
  ];
  const joined = [
    'profile',
    ...(readsBronze ? ['bronze_summary'] : []),
    ...(daily ? ['coverage'] : []),
    ...(emptyDays ? ['quiet'] : []),
    ...comparisons.map((c) => `${c.prefix}_summary`),
  ].join(' CROSS JOIN ');
  const examples = ['duplicate_example', ...comparisons.map((c) => `${c.prefix}_example`)].map((name) => `LEFT JOIN ${name} ON TRUE`).join(' ');
  const statement = sql`WITH ${joinSql(ctes, ',\n')}
SELECT * FROM ${new Sql(`${joined} ${examples}`, [])}`;

  return {
    table,
    sql: statement.text,
    params: statement.params,
    evaluate: (row) => evaluate(table, row, options, comparisons),
  };
}

function expectedComparison(prefix: string, set: ExpectedRowSet): Comparison {
  const grain = set.grain.map((name) => set.columns.find((c) => c.name === name)!);
  const present = new Set(set.rows.flatMap((r) => Object.keys(r)));
  const values = set.columns.filter((c) => !set.grain.includes(c.name) && present.has(c.name));
  const listed = [...grain, ...values];
  const rows = set.rows.map((row) => sql`(${joinSql(listed.map((c) => sql`${toParameter(c, row[c.name] ?? null)}`), ', ')})`);
  const wanted = sql`SELECT * FROM (VALUES ${joinSql(rows, ', ')}) AS wanted (${joinSql(listed.map((c) => identifier(c.name)), ', ')})`;
  const daily = grain.some((g) => g.name === 'day');
  return {
    prefix,
    check: set.check,
    expected: set.view === 'rows' ? `${set.rows.length} rows from the manifest` : `per-day totals of ${set.rows.length} days from the manifest`,
    against: 'expected',
    grain,
    values,
    actual: set.view === 'rows' ? sql`SELECT * FROM kpi` : sql`SELECT day, sum(event_count) AS event_count FROM kpi GROUP BY day`,
    wanted,
    days: daily ? sql`SELECT day FROM ${identifier(`${prefix}_wanted`)}` : undefined,
  };
}

function toParameter(column: KpiColumn, value: ExpectedValue): QueryParameter {
  if (value === null) return null;
  return column.type === 'date' ? sqlDate(String(value)) : value;
}

/** CTEs `<prefix>_wanted`, `<prefix>_compared`, `<prefix>_summary` and `<prefix>_example`. */
function comparisonCtes(c: Comparison, tolerance: number): Sql[] {
  const p = c.prefix;
  const on = joinSql(c.grain.map((g) => sql`a.${identifier(g.name)} = w.${identifier(g.name)}`), ' AND ');
  const equal = (column: KpiColumn) => {
    const a = sql`a.${identifier(column.name)}`;
    const w = sql`w.${identifier(column.name)}`;
    return column.type === 'double'
      ? sql`((${a} IS NULL AND ${w} IS NULL) OR abs(${a} - ${w}) <= ${tolerance})`
      : sql`${a} IS NOT DISTINCT FROM ${w}`;
  };
  const firstKey = identifier(c.grain[0].name);
  const missing = sql`a.${firstKey} IS NULL`;
  const unexpected = sql`w.${firstKey} IS NULL`;
  const same = c.values.length > 0 ? joinSql(c.values.map(equal), ' AND ') : sql`TRUE`;
  const selected = joinSql([
    ...c.grain.map((g) => sql`coalesce(a.${identifier(g.name)}, w.${identifier(g.name)}) AS ${identifier(`${p}_key_${g.name}`)}`),
    ...c.values.flatMap((v) => [
      sql`a.${identifier(v.name)} AS ${identifier(`${p}_actual_${v.name}`)}`,
      sql`w.${identifier(v.name)} AS ${identifier(`${p}_wanted_${v.name}`)}`,
    ]),
    sql`${missing} AS ${identifier(`${p}_missing`)}`,
    sql`${unexpected} AS ${identifier(`${p}_unexpected`)}`,
    sql`(${missing} OR ${unexpected} OR NOT (${same})) AS ${identifier(`${p}_differs`)}`,
  ], ',\n    ');
  const scope = c.days ? sql`WHERE coalesce(a.day, w.day) IN (${c.days})` : sql``;
  const total = c.values[0];
  const totals = total && total.type !== 'double'
    ? sql`, sum(${identifier(`${p}_actual_${total.name}`)}) AS ${identifier(`${p}_actual_total`)}, sum(${identifier(`${p}_wanted_${total.name}`)}) AS ${identifier(`${p}_wanted_total`)}`
    : sql``;
  const keys = joinSql(c.grain.map((g) => identifier(`${p}_key_${g.name}`)), ', ');
  return [
    sql`${identifier(`${p}_wanted`)} AS (
  ${c.wanted}
)`,
    sql`${identifier(`${p}_compared`)} AS (
  SELECT ${selected}
  FROM (${c.actual}) a
  FULL OUTER JOIN ${identifier(`${p}_wanted`)} w ON ${on}
  ${scope}
)`,
    sql`${identifier(`${p}_summary`)} AS (
  SELECT count(*) AS ${identifier(`${p}_rows`)}, count_if(${identifier(`${p}_differs`)}) AS ${identifier(`${p}_differing`)},
    count_if(${identifier(`${p}_missing`)}) AS ${identifier(`${p}_missing_rows`)}, count_if(${identifier(`${p}_unexpected`)}) AS ${identifier(`${p}_unexpected_rows`)}${totals}
  FROM ${identifier(`${p}_compared`)}
)`,
    sql`${identifier(`${p}_example`)} AS (
  SELECT * FROM ${identifier(`${p}_compared`)} WHERE ${identifier(`${p}_differs`)} ORDER BY ${keys} LIMIT 1
)`,
  ];
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

function evaluate(table: CheckedTableName, row: Row, options: TableQueryOptions, comparisons: readonly Comparison[]): CheckResult[] {
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
  if (checksEmptyDays(table, options)) {
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
    const wanted = options.expectedLatestDay
      ? (options.expectedLatestDay < options.window.toDate ? options.expectedLatestDay : options.window.toDate)
      : optional(row.bronze_latest_day);
    const source = options.expectedLatestDay ? 'as expected' : 'the newest day in bronze';
    check('fresh', 'error', wanted ? `>= ${wanted} (${source})` : 'nothing: no valid bronze events in the window', () => {
      n('bronze_events');
      const latest = optional(row.latest_day);
      return { passed: wanted === undefined || (latest !== undefined && latest >= wanted), observed: `latest day ${latest ?? 'none'}` };
    });
  }
  return results;
}

function evaluateComparison(c: Comparison, row: Row): { passed: boolean; observed: string } {
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
