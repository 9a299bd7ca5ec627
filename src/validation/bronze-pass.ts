import { ArrivalScope, BronzeSource, scannedRowsSql, tableOf } from './bronze';
import {
  FIRST_OF, GROUPS_WITHOUT_ROWS, KEYS, RECOMPUTED, REJECTED_TAG, VALUES, daysTag, hasTotal, typeOf,
} from './bronze-pass-columns';
import { RECONCILED_COLUMNS } from './checks';
import { keptRejectedSql } from './rejected-query';
import { QueryParameter, sqlDate, TypedValue } from '../engines/query-engine';
import { CHECKED_TABLES, DailyTableName } from '../kpis/catalog';
import { DayWindow } from '../kpis/day-window';
import { identifier, joinSql, literal, sql, Sql } from '../sql/statement';

/**
 * The bronze side of the daily tables' checks, from one read of bronze. Athena bills the bytes
 * every scan reads (Athena docs, "Amazon Athena pricing": per TB scanned), and a common table
 * expression named twice is scanned twice: measured on Trino, where the former per-table
 * statements, which named their bronze CTE 3-4 times, each scanned about 5x the bronze bytes
 * (docs/benchmarks.md, "What validation scans"; test/validation asserts bronze is named once). So the
 * recomputation is one aggregation with a grouping set per table grain, and every comparison
 * with the tables (their rows, the days they hold, the rows kept in rejected_events) is a side of
 * one more aggregation over that one result: bronze is read once, whatever the number of tables
 * (each daily table twice, for its rows and its days: kilobytes next to bronze).
 */

type Row = Readonly<Record<string, TypedValue>>;

/** One daily table whose checks need bronze. */
export interface BronzePassTable {
  readonly table: DailyTableName;
  /** The days compared. */
  readonly window: DayWindow;
  /** Also list the days of the window with neither rows nor events. */
  readonly emptyDays: boolean;
}

export interface BronzePassOptions {
  /** The landed objects to read; each table is read at the version the source names. */
  readonly source: BronzeSource;
  readonly tables: readonly BronzePassTable[];
  /** Also account for the rows breaking a rule against `rejected_events` (needs the run's arrivals). */
  readonly rejected: boolean;
  /** Largest difference between two doubles that still counts as equal. */
  readonly tolerance: number;
}

/** The statement, and how to hand each table (and rejected_events) the columns its checks read. */
export interface BronzePass {
  readonly tables: readonly DailyTableName[];
  readonly rejected: boolean;
  readonly sql: string;
  readonly params: readonly QueryParameter[];
  read(rows: readonly Row[]): { readonly tables: ReadonlyMap<DailyTableName, Row>; readonly rejected?: Row };
  /**
   * The pass over the tables that exist: a statement naming a missing table fails as a whole, which
   * would fail every table of the pass. Undefined when none of its tables exists.
   */
  without(missing: readonly string[]): BronzePass | undefined;
}

/** The `grouping(...)` bit set of a grouping set over `keys`: 1 for each key it leaves out, the last key lowest. */
function groupingSetId(keys: readonly string[], set: readonly string[]): number {
  return keys.reduce((id, key, i) => id + (set.includes(key) ? 0 : 2 ** (keys.length - 1 - i)), 0);
}

const dateParam = (day: string) => sqlDate(day);
/** A day outside WHERE (a SELECT list, FROM UNNEST(sequence(...))), where Athena takes no parameter. */
const dateLiteral = (day: string) => literal(sqlDate(day));
/** A tag outside WHERE (SELECT lists, CASE in a SELECT list or FROM). */
const tag = (name: string) => literal(name);
const typedNull = (type: string) => new Sql(`CAST(NULL AS ${type})`, []);

/** A row of the sides: every key and value column, in order, as `pick` gives it or NULL. */
function sideColumns(pick: (column: string) => Sql | undefined): Sql {
  return joinSql([...KEYS, ...VALUES].map(([column, type]) => {
    const picked = pick(column);
    return picked ? sql`CAST(${picked} AS ${new Sql(type, [])}) AS ${identifier(column)}` : sql`${typedNull(type)} AS ${identifier(column)}`;
  }), ', ');
}

const between = (column: Sql, window: DayWindow) => sql`${column} BETWEEN ${dateParam(window.fromDate)} AND ${dateParam(window.toDate)}`;
const KEY_LIST = joinSql(KEYS.map(([k]) => identifier(k)), ', ');

/** The statement: one scan of bronze; each stage below is one common table expression, named once. */
export function renderBronzePass(options: BronzePassOptions): BronzePass {
  const { source, tables, rejected } = options;
  if (rejected && !source.arrivals) throw new Error('Accounting for rejected rows needs the arrivals of a run.');
  if (tables.length === 0) throw new Error('A bronze pass needs at least one daily table.');
  const { grouped, tagArrays } = groupedStage(tables, rejected);
  const sides = [
    bronzeSide(tables, rejected, tagArrays),
    ...tables.flatMap((t) => tableSides(source, t)),
    ...(rejected ? [rejectedSide({ ...source, arrivals: source.arrivals as ArrivalScope })] : []),
  ];
  const statement = sql`WITH scanned AS (
  ${scannedRowsSql(source)}
),
grouped AS (
  ${grouped}
),
sides AS (
  ${joinSql(sides, '\n  UNION ALL\n  ')}
),
compared AS (
  ${COMPARED}
),
judged AS (
  ${judgedStage(tables, options.tolerance)}
)
SELECT ${SUMMARY}
FROM judged
GROUP BY tag`;

  return {
    tables: tables.map((t) => t.table),
    rejected,
    sql: statement.text,
    params: statement.params,
    read: (rows) => readPass(rows, tables, rejected),
    without(missing) {
      const present = tables.filter((t) => !missing.includes(t.table));
      if (present.length === tables.length) return this;
      return present.length > 0 ? renderBronzePass({ ...options, tables: present }) : undefined;
    },
  };
}

/**
 * `grouped`: bronze's rows aggregated once, a grouping set per table grain, per day and per broken
 * rule; and, per grouping set, the tags (tables, their days, rejected_events) its groups serve.
 */
function groupedStage(tables: readonly BronzePassTable[], rejected: boolean): { grouped: Sql; tagArrays: Sql } {
  const tagged: Array<readonly [set: readonly string[], tag: string]> = [];
  for (const { table } of tables) tagged.push([CHECKED_TABLES[table].grain, table], [['day'], daysTag(table)]);
  if (rejected) tagged.push([['rule'], REJECTED_TAG]);
  const sets = [...new Map(tagged.map(([set]) => [set.join(), set])).values()];
  // grouping() takes only columns the sets group by; a key no set uses is NULL in every group.
  const used = KEYS.map(([k]) => k).filter((k) => sets.some((set) => set.includes(k)));
  const tagsBySet = new Map<number, string[]>();
  for (const [set, name] of tagged) {
    const id = groupingSetId(used, set);
    tagsBySet.set(id, [...(tagsBySet.get(id) ?? []), name]);
  }
  const groupedKeys = joinSql(KEYS.map(([k, type]) => (used.includes(k) ? identifier(k) : sql`${typedNull(type)} AS ${identifier(k)}`)), ', ');
  const validOnly = sql`FILTER (WHERE copy = 1)`;
  const grouped = sql`SELECT grouping(${joinSql(used.map(identifier), ', ')}) AS grouping_set, ${groupedKeys},
    count(*) ${validOnly} AS events, count(*) AS row_count,
    ${joinSql(VALUES.slice(2).map(([v]) => sql`${RECOMPUTED[v] ?? missingRecomputation(v)} ${validOnly} AS ${identifier(v)}`), ',\n    ')}
  FROM scanned
  GROUP BY GROUPING SETS (${joinSql(sets.map((set) => sql`(${joinSql(set.map(identifier), ', ')})`), ', ')})`;
  const tagArrays = joinSql([...tagsBySet].map(([id, names]) => sql`WHEN ${literal(id)} THEN ARRAY[${joinSql(names.map(tag), ', ')}]`), ' ');
  return { grouped, tagArrays };
}

/** Bronze's side: each group once per tag it serves, if in that tag's window and the table would hold a row for it. */
function bronzeSide(tables: readonly BronzePassTable[], rejected: boolean, tagArrays: Sql): Sql {
  const kept = joinSql([
    ...tables.flatMap(({ table, window }) => {
      const also = GROUPS_WITHOUT_ROWS[table];
      const groupFilter = sql`g.events > 0 AND ${between(sql`g.day`, window)}`;
      return [
        sql`WHEN ${table} THEN ${groupFilter}${also ? sql` AND NOT (${also((c) => sql`g.${identifier(c)}`)})` : sql``}`,
        sql`WHEN ${daysTag(table)} THEN ${groupFilter}`,
      ];
    }),
    ...(rejected ? [sql`WHEN ${REJECTED_TAG} THEN TRUE`] : []),
  ], '\n      ');
  return sql`SELECT t.tag, 'bronze' AS side, ${sideColumns((c) => sql`g.${identifier(c)}`)}
  FROM grouped g CROSS JOIN UNNEST(CASE g.grouping_set ${tagArrays} END) AS t (tag)
  WHERE CASE t.tag
      ${kept}
    END`;
}

/** A table's sides: its rows in the window, the days it holds, and (for empty days) the window's calendar. */
function tableSides(source: BronzeSource, { table, window, emptyDays }: BronzePassTable): Sql[] {
  const grain: readonly string[] = CHECKED_TABLES[table].grain;
  const reconciled = RECONCILED_COLUMNS[table];
  const columnOf = (c: string) => (grain.includes(c) || reconciled.includes(c) ? identifier(c) : undefined);
  const notNull = joinSql(grain.map((g) => sql`${identifier(g)} IS NOT NULL`), ' AND ');
  const dayOnly = (day: Sql) => sideColumns((c) => (c === 'day' ? day : undefined));
  const rows = sql`SELECT ${tag(table)} AS tag, 'kpi' AS side, ${sideColumns(columnOf)}
  FROM ${tableOf(source, table)} WHERE ${between(sql`day`, window)} AND ${notNull}`;
  const days = sql`SELECT DISTINCT ${tag(daysTag(table))} AS tag, 'kpi' AS side, ${dayOnly(sql`day`)}
  FROM ${tableOf(source, table)} WHERE ${between(sql`day`, window)}`;
  const calendar = sql`SELECT ${tag(daysTag(table))} AS tag, 'window' AS side, ${dayOnly(sql`w.day`)}
  FROM UNNEST(sequence(${dateLiteral(window.fromDate)}, ${dateLiteral(window.toDate)}, INTERVAL '1' DAY)) AS w (day)`;
  return emptyDays ? [rows, days, calendar] : [rows, days];
}

/** What the jobs kept aside from the run's arrivals, counted by rule. */
function rejectedSide(source: BronzeSource & { readonly arrivals: ArrivalScope }): Sql {
  return sql`SELECT ${tag(REJECTED_TAG)} AS tag, 'kpi' AS side, ${sideColumns((c) => (c === 'rule' || c === 'row_count' ? sql`r.${identifier(c)}` : undefined))}
  FROM (${keptRejectedSql(source)}) r`;
}

/** `compared`: per tag and key, how many rows each side has and their values (`a_`: the table's, `w_`: bronze's). */
const COMPARED = sql`SELECT tag, ${KEY_LIST},
    count_if(side = 'kpi') AS kpi_rows, count_if(side = 'bronze') AS bronze_rows, count_if(side = 'window') AS window_rows,
    ${joinSql(VALUES.flatMap(([v]) => [
      sql`arbitrary(${identifier(v)}) FILTER (WHERE side = 'kpi') AS ${identifier(`a_${v}`)}`,
      sql`arbitrary(${identifier(v)}) FILTER (WHERE side = 'bronze') AS ${identifier(`w_${v}`)}`,
    ]), ',\n    ')}
  FROM sides
  GROUP BY tag, ${KEY_LIST}`;

/** `judged`: whether each compared key differs, whether its day is held and should be, and a sort key for examples. */
function judgedStage(tables: readonly BronzePassTable[], tolerance: number): Sql {
  const equal = (column: string) => {
    const [a, w] = [identifier(`a_${column}`), identifier(`w_${column}`)];
    return typeOf(column) === 'double' ? sql`((${a} IS NULL AND ${w} IS NULL) OR abs(${a} - ${w}) <= ${literal(tolerance)})` : sql`${a} IS NOT DISTINCT FROM ${w}`;
  };
  const differs = joinSql(tables.map(({ table }) =>
    sql`WHEN ${tag(table)} THEN (kpi_rows = 0 OR bronze_rows = 0 OR NOT (${joinSql(RECONCILED_COLUMNS[table].map(equal), ' AND ')}))`), ' ');
  const totalOf = (side: 'a' | 'w') => joinSql(tables.map(({ table }) =>
    sql`WHEN ${tag(table)} THEN ${hasTotal(table) ? identifier(`${side}_${RECONCILED_COLUMNS[table][0]}`) : sql`NULL`}`), ' ');
  // A day of bronze events the table holds no row for, by its own rule, is neither missing nor its latest.
  const withoutRows = tables.filter(({ table }) => GROUPS_WITHOUT_ROWS[table]);
  const rowsExpected = withoutRows.length === 0 ? sql`bronze_rows > 0` : sql`bronze_rows > 0 AND coalesce(CASE tag ${joinSql(withoutRows.map(({ table }) =>
    sql`WHEN ${tag(daysTag(table))} THEN NOT (${GROUPS_WITHOUT_ROWS[table]!((c) => identifier(`w_${c}`))})`), ' ')} ELSE TRUE END, TRUE)`;
  const sortKey = joinSql(KEYS.map(([k, type]) => new Sql(`coalesce(${identifier(k).text}, ${FIRST_OF[type]})`, [])), ', ');
  return sql`SELECT *,
    bool_or(kpi_rows > 0) OVER (PARTITION BY tag, day) AS day_held,
    coalesce(CASE tag ${differs} END, false) AS differs,
    ${rowsExpected} AS rows_expected,
    CAST(CASE tag ${totalOf('a')} END AS bigint) AS a_total,
    CAST(CASE tag ${totalOf('w')} END AS bigint) AS w_total,
    ROW(${sortKey}) AS sort_key
  FROM compared`;
}

const EXAMPLE = sql`FILTER (WHERE day_held AND differs)`;
const dayList = (condition: Sql) => sql`array_join(slice(array_agg(CAST(day AS varchar) ORDER BY day) FILTER (WHERE ${condition}), 1, 5), ', ')`;
const MISSING_DAY = sql`rows_expected AND kpi_rows = 0`;
const EMPTY_DAY = sql`window_rows > 0 AND bronze_rows = 0 AND kpi_rows = 0`;
const RULE_DIFFERS = sql`rule IS NOT NULL AND coalesce(w_row_count, 0) <> coalesce(a_row_count, 0)`;
const RULE_COUNTS = sql`rule || ': ' || CAST(coalesce(w_row_count, 0) AS varchar) || ' in bronze, ' || CAST(coalesce(a_row_count, 0) AS varchar) || ' kept'`;

/** The result, a row per tag, in the column names the table checks and the rejected_events check read. */
const SUMMARY = joinSql([
  sql`tag`,
  sql`count_if(day_held) AS recon_rows`,
  sql`count_if(day_held AND differs) AS recon_differing`,
  sql`count_if(day_held AND kpi_rows = 0) AS recon_missing_rows`,
  sql`count_if(day_held AND bronze_rows = 0) AS recon_unexpected_rows`,
  sql`coalesce(sum(a_total) FILTER (WHERE day_held), 0) AS recon_actual_total`,
  sql`coalesce(sum(w_total) FILTER (WHERE day_held), 0) AS recon_wanted_total`,
  ...KEYS.map(([k]) => sql`min_by(${identifier(k)}, sort_key) ${EXAMPLE} AS ${identifier(`recon_key_${k}`)}`),
  ...VALUES.flatMap(([v]) => [
    sql`min_by(${identifier(`a_${v}`)}, sort_key) ${EXAMPLE} AS ${identifier(`recon_actual_${v}`)}`,
    sql`min_by(${identifier(`w_${v}`)}, sort_key) ${EXAMPLE} AS ${identifier(`recon_wanted_${v}`)}`,
  ]),
  sql`min_by(kpi_rows = 0, sort_key) ${EXAMPLE} AS recon_missing`,
  sql`min_by(bronze_rows = 0, sort_key) ${EXAMPLE} AS recon_unexpected`,
  sql`coalesce(sum(w_events), 0) AS bronze_events`,
  sql`max(day) FILTER (WHERE rows_expected) AS bronze_latest_day`,
  sql`count_if(${MISSING_DAY}) AS missing_days`,
  sql`${dayList(MISSING_DAY)} AS missing_day_list`,
  sql`count_if(${EMPTY_DAY}) AS empty_days`,
  sql`${dayList(EMPTY_DAY)} AS empty_day_list`,
  sql`coalesce(sum(w_row_count), 0) AS landed_rows`,
  sql`coalesce(sum(w_row_count) FILTER (WHERE rule IS NULL), 0) AS valid_rows`,
  sql`coalesce(sum(w_row_count) FILTER (WHERE rule IS NOT NULL), 0) AS invalid_rows`,
  sql`coalesce(sum(a_row_count), 0) AS rejected_rows`,
  sql`count_if(${RULE_DIFFERS}) AS differing_rules`,
  sql`coalesce(array_join(array_agg(${RULE_COUNTS}) FILTER (WHERE ${RULE_DIFFERS}), '; '), '') AS differences`,
], ',\n  ');

function missingRecomputation(column: string): never {
  throw new Error(`The bronze pass cannot recompute "${column}": add it to RECOMPUTED in bronze-pass.ts.`);
}

/**
 * Each table's columns, named as its table query's evaluation reads them. A tag without a row had
 * nothing on any side (no rows, no events): its counts are 0.
 */
function readPass(rows: readonly Row[], tables: readonly BronzePassTable[], rejected: boolean) {
  const byTag = new Map(rows.map((r) => [String(r.tag), r]));
  const pick = (tagName: string, names: readonly string[], zero: readonly string[]): Row => {
    const row = byTag.get(tagName);
    return Object.fromEntries(names.map((n) => [n, row ? row[n] : (zero.includes(n) ? 0 : null)]));
  };
  const result = new Map<DailyTableName, Row>();
  for (const { table, emptyDays } of tables) {
    const reconciled = RECONCILED_COLUMNS[table];
    const counts = ['recon_rows', 'recon_differing', 'recon_missing_rows', 'recon_unexpected_rows'];
    const totals = hasTotal(table) ? ['recon_actual_total', 'recon_wanted_total'] : [];
    const examples = [
      ...CHECKED_TABLES[table].grain.map((g) => `recon_key_${g}`),
      ...reconciled.flatMap((v) => [`recon_actual_${v}`, `recon_wanted_${v}`]),
      'recon_missing', 'recon_unexpected',
    ];
    const days = ['bronze_events', 'missing_days', ...(emptyDays ? ['empty_days'] : [])];
    result.set(table, {
      ...pick(table, [...counts, ...totals, ...examples], [...counts, ...totals]),
      ...pick(daysTag(table), [...days, 'bronze_latest_day', 'missing_day_list', ...(emptyDays ? ['empty_day_list'] : [])], days),
    });
  }
  const accounting = ['landed_rows', 'valid_rows', 'invalid_rows', 'rejected_rows', 'differing_rules'];
  return { tables: result, rejected: rejected ? pick(REJECTED_TAG, [...accounting, 'differences'], accounting) : undefined };
}
