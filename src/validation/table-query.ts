import { BronzeSource, fromPartialsSql, referenceSql, tableOf, validEventsSql } from './bronze';
import { RECONCILED_COLUMNS, VALUE_RULES } from './checks';
import { ExpectedRowSet, ExpectedValue } from './expectations';
import { ComparedRows, VerdictOptions, evaluateTable } from './table-verdicts';
import { CheckResult } from './validation-report';
import { QueryParameter, sqlDate, TypedValue } from '../engines/query-engine';
import { AllTimeTableName, CHECKED_TABLES, CheckedTableName, KpiColumn } from '../kpis/catalog';
import { identifier, joinSql, literal, sql, Sql } from '../sql/statement';

export interface TableQueryOptions extends VerdictOptions {
  /** The catalog, database and raw table the SQL names, and which landed objects to read; KPI tables are in the same database. */
  readonly source: BronzeSource;
  /**
   * Also reconcile an all-time table with all of bronze in the source's scope (it is always
   * reconciled with its per-day partials, which are reconciled with bronze on the window's days).
   * @default false
   */
  readonly full?: boolean;
  /** Largest difference between two doubles that still counts as equal. */
  readonly tolerance: number;
  readonly expectations: readonly ExpectedRowSet[];
}

type Row = Readonly<Record<string, TypedValue>>;

/** One statement that checks one table, and how to read its single result row. */
export interface TableQuery {
  readonly table: CheckedTableName;
  readonly sql: string;
  readonly params: readonly QueryParameter[];
  /** A daily table: its reconciliation with bronze comes from the bronze pass, whose columns `evaluate` also reads. */
  readonly fromBronzePass: boolean;
  evaluate(row: Row): CheckResult[];
}

/** A comparison this statement renders. */
interface Comparison extends ComparedRows {
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

  const values = RECONCILED_COLUMNS[table].map((name) => columns.get(name)!);
  // Daily tables are reconciled with bronze by the bronze pass; all-time ones here, with --full.
  const readsBronze = !daily && options.full === true;
  const { fromBronzePass, comparisons } = tableComparisons(table, options, grain, values, readsBronze);
  const profile = profileSql(table, options, grain);

  const ctes: Sql[] = [
    sql`kpi_all AS (
  SELECT *, row_number() OVER (PARTITION BY ${grainIds}) AS grain_copy
  FROM ${tableOf(options.source, table)}
  ${windowFilter}
)`,
    sql`kpi AS (SELECT * FROM kpi_all WHERE grain_copy = 1 AND ${joinSql(grain.map((g) => sql`${identifier(g.name)} IS NOT NULL`), ' AND ')})`,
    ...(readsBronze ? [
      sql`valid_events AS (
  ${validEventsSql(options.source)}
)`,
      sql`reference AS (
  ${referenceSql(table as AllTimeTableName)}
)`,
    ] : []),
    sql`profile AS (
  SELECT ${profile}
  FROM kpi_all
)`,
    sql`duplicate_example AS (
  SELECT ${joinSql(grain.map((g) => sql`${identifier(g.name)} AS ${identifier(`duplicate_${g.name}`)}`), ', ')}
  FROM kpi_all WHERE grain_copy > 1 ORDER BY ${grainIds} LIMIT 1
)`,
    ...comparisons.flatMap((c) => comparisonCtes(c, options.tolerance)),
  ];
  const joined = ['profile', ...comparisons.map((c) => `${c.prefix}_summary`)].join(' CROSS JOIN ');
  const examples = ['duplicate_example', ...comparisons.map((c) => `${c.prefix}_example`)].map((name) => `LEFT JOIN ${name} ON TRUE`).join(' ');
  const statement = sql`WITH ${joinSql(ctes, ',\n')}
SELECT * FROM ${new Sql(`${joined} ${examples}`, [])}`;

  return {
    table,
    sql: statement.text,
    params: statement.params,
    fromBronzePass: daily,
    evaluate: (row) => evaluateTable(table, row, options, [...fromBronzePass, ...comparisons]),
  };
}

/** The comparisons of a table: the ones this statement renders, and (daily tables) the bronze pass's. */
function tableComparisons(
  table: CheckedTableName, options: TableQueryOptions, grain: readonly KpiColumn[], values: readonly KpiColumn[], readsBronze: boolean,
): { fromBronzePass: ComparedRows[]; comparisons: Comparison[] } {
  const daily = !CHECKED_TABLES[table].allTime;
  const bronze = {
    prefix: 'recon',
    check: 'matches-bronze',
    expected: 'every row equals its recomputation from valid, de-duplicated bronze events',
    against: 'bronze',
    grain,
    values,
  };
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
      wanted: fromPartialsSql(table as AllTimeTableName, options.source),
    });
  }
  if (readsBronze) comparisons.push({ ...bronze, actual: sql`SELECT * FROM kpi`, wanted: sql`SELECT * FROM reference` });
  options.expectations.forEach((set, i) => comparisons.push(expectedComparison(`expected${i}`, set)));
  return { fromBronzePass: daily ? [bronze] : [], comparisons };
}

/** The table's profile: row count, NULL keys, duplicates, latest day and each value rule's breaches. */
function profileSql(table: CheckedTableName, options: TableQueryOptions, grain: readonly KpiColumn[]): Sql {
  return joinSql([
    sql`count(*) AS row_count`,
    sql`count_if(${joinSql(grain.map((g) => sql`${identifier(g.name)} IS NULL`), ' OR ')}) AS null_key_rows`,
    sql`count_if(grain_copy > 1) AS duplicate_rows`,
    ...(CHECKED_TABLES[table].allTime ? [] : [sql`max(day) AS latest_day`]),
    ...VALUE_RULES[table].flatMap((rule, i) => [
      sql`count_if(NOT coalesce(${rule.ok(options.tolerance)}, false)) AS ${identifier(`rule${i}_rows`)}`,
      ...(rule.range ? [
        sql`min(${identifier(rule.range.min)}) AS ${identifier(`rule${i}_min`)}`,
        sql`max(${identifier(rule.range.max)}) AS ${identifier(`rule${i}_max`)}`,
      ] : []),
    ]),
  ], ',\n    ');
}

function expectedComparison(prefix: string, set: ExpectedRowSet): Comparison {
  const grain = set.grain.map((name) => set.columns.find((c) => c.name === name)!);
  const present = new Set(set.rows.flatMap((r) => Object.keys(r)));
  const values = set.columns.filter((c) => !set.grain.includes(c.name) && present.has(c.name));
  const listed = [...grain, ...values];
  // VALUES takes no parameter on Athena: the manifest's values are checked literals.
  const rows = set.rows.map((row) => sql`(${joinSql(listed.map((c) => literal(toValue(c, row[c.name] ?? null))), ', ')})`);
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

function toValue(column: KpiColumn, value: ExpectedValue): QueryParameter {
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
      ? sql`((${a} IS NULL AND ${w} IS NULL) OR abs(${a} - ${w}) <= ${literal(tolerance)})`
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
