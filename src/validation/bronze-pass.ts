import { ArrivalScope, BronzeSource, scannedRowsSql, tableOf } from './bronze';
import { RECONCILED_COLUMNS } from './checks';
import { keptRejectedSql } from './rejected-query';
import { SQL_TYPES } from './schema-query';
import { identifier, joinSql, sql, Sql } from './sql';
import { QueryParameter, sqlDate, TypedValue } from '../engines/query-engine';
import { FAULTY_STATUS } from '../events/schema';
import { CHECKED_TABLES, CheckedTableName, DailyTableName } from '../kpis/catalog';
import { DayWindow } from '../kpis/day-window';

/**
 * The bronze side of the daily tables' checks, from one read of bronze. Athena bills every scan,
 * and a common table expression named twice is scanned twice (Trino and Athena inline it), so the
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
}

const DAILY_TABLES = (Object.keys(CHECKED_TABLES) as CheckedTableName[]).filter((t) => !CHECKED_TABLES[t].allTime) as DailyTableName[];

/** The SQL type of a column of the daily tables. */
function typeOf(column: string): string {
  for (const table of DAILY_TABLES) {
    const found = CHECKED_TABLES[table].columns.find((c) => c.name === column);
    if (found) return SQL_TYPES[found.type];
  }
  throw new Error(`No daily table has a column "${column}".`);
}

const unique = (names: readonly string[]) => [...new Set(names)];
/** Every grain column of the daily tables, then the rule a rejected row broke. */
const KEYS: ReadonlyArray<readonly [string, string]> = [
  ...unique(DAILY_TABLES.flatMap((t) => CHECKED_TABLES[t].grain)).map((k) => [k, typeOf(k)] as const),
  ['rule', 'varchar'],
];
/** Counted in every group: `events` (valid, de-duplicated) and `row_count` (every landed row). */
const VALUES: ReadonlyArray<readonly [string, string]> = [
  ['events', 'bigint'],
  ['row_count', 'bigint'],
  ...unique(DAILY_TABLES.flatMap((t) => RECONCILED_COLUMNS[t])).map((v) => [v, typeOf(v)] as const),
];

/** Each reconciled column of a daily table as an aggregate over the valid events of one group of its grain. */
const RECOMPUTED: Readonly<Record<string, Sql>> = {
  event_count: sql`count(*)`,
  total_count: sql`count(*)`,
  faulty_count: sql`count_if(status = ${FAULTY_STATUS})`,
  avg_temp: sql`avg(temperature)`,
  min_temp: sql`min(temperature)`,
  max_temp: sql`max(temperature)`,
  avg_humidity: sql`avg(humidity)`,
  min_humidity: sql`min(humidity)`,
  max_humidity: sql`max(humidity)`,
  latest_timestamp: sql`max("timestamp")`,
  latest_uuid: sql`max_by(uuid, ROW("timestamp", uuid))`,
  latest_status: sql`max_by(status, ROW("timestamp", uuid))`,
};

/**
 * Groups of valid events a table holds no row for, as a condition on the group's recomputed
 * columns: the faulty partial counts only locations (and so days) with faulty events.
 */
const GROUPS_WITHOUT_ROWS: Partial<Record<DailyTableName, (column: (name: string) => Sql) => Sql>> = {
  _event_geo_kpis_faulty_geo_day_stats: (column) => sql`coalesce(${column('faulty_count')}, 0) = 0`,
};

/** Sorts like the grain, whatever the tag: an absent key is a constant. */
const FIRST_OF: Readonly<Record<string, string>> = { date: 'DATE \'1970-01-01\'', varchar: '\'\'', double: '0e0', integer: '0', bigint: '0' };

/** A table whose first reconciled column is a count shows its total next to bronze's. */
const hasTotal = (table: DailyTableName) => ['bigint', 'integer'].includes(typeOf(RECONCILED_COLUMNS[table][0]));

const daysTag = (table: DailyTableName) => `days:${table}`;
const REJECTED_TAG = 'rejected';

/** The `grouping(...)` bit set of a grouping set over `keys`: 1 for each key it leaves out, the last key lowest. */
function groupingSetId(keys: readonly string[], set: readonly string[]): number {
  return keys.reduce((id, key, i) => id + (set.includes(key) ? 0 : 2 ** (keys.length - 1 - i)), 0);
}

const dateParam = (day: string) => sqlDate(day);
const typedNull = (type: string) => new Sql(`CAST(NULL AS ${type})`, []);

/** A row of the sides: every key and value column, in order, as `pick` gives it or NULL. */
function sideColumns(pick: (column: string) => Sql | undefined): Sql {
  return joinSql([...KEYS, ...VALUES].map(([column, type]) => {
    const picked = pick(column);
    return picked ? sql`CAST(${picked} AS ${new Sql(type, [])}) AS ${identifier(column)}` : sql`${typedNull(type)} AS ${identifier(column)}`;
  }), ', ');
}

/** The statement: one scan of bronze, each table and `rejected_events` read once. */
export function renderBronzePass(options: BronzePassOptions): BronzePass {
  const { source, tables, tolerance } = options;
  if (options.rejected && !source.arrivals) throw new Error('Accounting for rejected rows needs the arrivals of a run.');
  if (tables.length === 0) throw new Error('A bronze pass needs at least one daily table.');
  const between = (column: Sql, window: DayWindow) => sql`${column} BETWEEN ${dateParam(window.fromDate)} AND ${dateParam(window.toDate)}`;

  const tagged: Array<readonly [set: readonly string[], tag: string]> = [];
  for (const { table } of tables) tagged.push([CHECKED_TABLES[table].grain, table], [['day'], daysTag(table)]);
  if (options.rejected) tagged.push([['rule'], REJECTED_TAG]);
  const sets = [...new Map(tagged.map(([set]) => [set.join(), set])).values()];
  // grouping() takes only columns the sets group by; a key no set uses is NULL in every group.
  const used = KEYS.map(([k]) => k).filter((k) => sets.some((set) => set.includes(k)));
  const tagsBySet = new Map<number, string[]>();
  for (const [set, name] of tagged) {
    const id = groupingSetId(used, set);
    tagsBySet.set(id, [...(tagsBySet.get(id) ?? []), name]);
  }

  const keys = joinSql(KEYS.map(([k]) => identifier(k)), ', ');
  const groupedKeys = joinSql(KEYS.map(([k, type]) => (used.includes(k) ? identifier(k) : sql`${typedNull(type)} AS ${identifier(k)}`)), ', ');
  const validOnly = sql`FILTER (WHERE copy = 1)`;
  const grouped = sql`SELECT grouping(${joinSql(used.map(identifier), ', ')}) AS grouping_set, ${groupedKeys},
    count(*) ${validOnly} AS events, count(*) AS row_count,
    ${joinSql(VALUES.slice(2).map(([v]) => sql`${RECOMPUTED[v] ?? missingRecomputation(v)} ${validOnly} AS ${identifier(v)}`), ',\n    ')}
  FROM scanned
  GROUP BY GROUPING SETS (${joinSql(sets.map((set) => sql`(${joinSql(set.map(identifier), ', ')})`), ', ')})`;

  const tagArrays = joinSql([...tagsBySet].map(([id, names]) => sql`WHEN ${id} THEN ARRAY[${joinSql(names.map((n) => sql`${n}`), ', ')}]`), ' ');
  const kept = joinSql([
    ...tables.flatMap(({ table, window }) => {
      const also = GROUPS_WITHOUT_ROWS[table];
      const groupFilter = sql`g.events > 0 AND ${between(sql`g.day`, window)}`;
      return [
        sql`WHEN ${table} THEN ${groupFilter}${also ? sql` AND NOT (${also((c) => sql`g.${identifier(c)}`)})` : sql``}`,
        sql`WHEN ${daysTag(table)} THEN ${groupFilter}`,
      ];
    }),
    ...(options.rejected ? [sql`WHEN ${REJECTED_TAG} THEN TRUE`] : []),
  ], '\n      ');
  const bronzeSide = sql`SELECT t.tag, 'bronze' AS side, ${sideColumns((c) => sql`g.${identifier(c)}`)}
  FROM grouped g CROSS JOIN UNNEST(CASE g.grouping_set ${tagArrays} END) AS t (tag)
  WHERE CASE t.tag
      ${kept}
    END`;

  const tableSides = tables.flatMap(({ table, window, emptyDays }) => {
    const spec = CHECKED_TABLES[table];
    const reconciled = RECONCILED_COLUMNS[table];
    const grain: readonly string[] = spec.grain;
    const columnOf = (c: string) => (grain.includes(c) || reconciled.includes(c) ? identifier(c) : undefined);
    const notNull = joinSql(grain.map((g) => sql`${identifier(g)} IS NOT NULL`), ' AND ');
    const rows = sql`SELECT ${table} AS tag, 'kpi' AS side, ${sideColumns(columnOf)}
  FROM ${tableOf(source, table)} WHERE ${between(sql`day`, window)} AND ${notNull}`;
    const days = sql`SELECT DISTINCT ${daysTag(table)} AS tag, 'kpi' AS side, ${sideColumns((c) => (c === 'day' ? sql`day` : undefined))}
  FROM ${tableOf(source, table)} WHERE ${between(sql`day`, window)}`;
    const calendar = sql`SELECT ${daysTag(table)} AS tag, 'window' AS side, ${sideColumns((c) => (c === 'day' ? sql`w.day` : undefined))}
  FROM UNNEST(sequence(${dateParam(window.fromDate)}, ${dateParam(window.toDate)}, INTERVAL '1' DAY)) AS w (day)`;
    return emptyDays ? [rows, days, calendar] : [rows, days];
  });
  const rejectedSide = options.rejected
    ? [sql`SELECT ${REJECTED_TAG} AS tag, 'kpi' AS side, ${sideColumns((c) => (c === 'rule' || c === 'row_count' ? sql`r.${identifier(c)}` : undefined))}
  FROM (${keptRejectedSql({ ...source, arrivals: source.arrivals as ArrivalScope })}) r`]
    : [];

  const compared = sql`SELECT tag, ${keys},
    count_if(side = 'kpi') AS kpi_rows, count_if(side = 'bronze') AS bronze_rows, count_if(side = 'window') AS window_rows,
    ${joinSql(VALUES.flatMap(([v]) => [
      sql`arbitrary(${identifier(v)}) FILTER (WHERE side = 'kpi') AS ${identifier(`a_${v}`)}`,
      sql`arbitrary(${identifier(v)}) FILTER (WHERE side = 'bronze') AS ${identifier(`w_${v}`)}`,
    ]), ',\n    ')}
  FROM sides
  GROUP BY tag, ${keys}`;

  const equal = (column: string) => {
    const [a, w] = [identifier(`a_${column}`), identifier(`w_${column}`)];
    return typeOf(column) === 'double' ? sql`((${a} IS NULL AND ${w} IS NULL) OR abs(${a} - ${w}) <= ${tolerance})` : sql`${a} IS NOT DISTINCT FROM ${w}`;
  };
  const differs = joinSql(tables.map(({ table }) =>
    sql`WHEN ${table} THEN (kpi_rows = 0 OR bronze_rows = 0 OR NOT (${joinSql(RECONCILED_COLUMNS[table].map(equal), ' AND ')}))`), ' ');
  const totalOf = (side: 'a' | 'w') => joinSql(tables.map(({ table }) => {
    const first = RECONCILED_COLUMNS[table][0];
    return hasTotal(table) ? sql`WHEN ${table} THEN ${identifier(`${side}_${first}`)}` : sql`WHEN ${table} THEN NULL`;
  }), ' ');
  // A day of bronze events the table holds no row for, by its own rule, is neither missing nor its latest.
  const withoutRows = tables.filter(({ table }) => GROUPS_WITHOUT_ROWS[table]);
  const rowsExpected = withoutRows.length === 0 ? sql`bronze_rows > 0` : sql`bronze_rows > 0 AND coalesce(CASE tag ${joinSql(withoutRows.map(({ table }) =>
    sql`WHEN ${daysTag(table)} THEN NOT (${GROUPS_WITHOUT_ROWS[table]!((c) => identifier(`w_${c}`))})`), ' ')} ELSE TRUE END, TRUE)`;
  const sortKey = joinSql(KEYS.map(([k, type]) => new Sql(`coalesce(${identifier(k).text}, ${FIRST_OF[type]})`, [])), ', ');
  const judged = sql`SELECT *,
    bool_or(kpi_rows > 0) OVER (PARTITION BY tag, day) AS day_held,
    coalesce(CASE tag ${differs} END, false) AS differs,
    ${rowsExpected} AS rows_expected,
    CAST(CASE tag ${totalOf('a')} END AS bigint) AS a_total,
    CAST(CASE tag ${totalOf('w')} END AS bigint) AS w_total,
    ROW(${sortKey}) AS sort_key
  FROM compared`;

  const example = sql`FILTER (WHERE day_held AND differs)`;
  const dayList = (condition: Sql) => sql`array_join(slice(array_agg(CAST(day AS varchar) ORDER BY day) FILTER (WHERE ${condition}), 1, 5), ', ')`;
  const missingDay = sql`rows_expected AND kpi_rows = 0`;
  const emptyDay = sql`window_rows > 0 AND bronze_rows = 0 AND kpi_rows = 0`;
  const ruleDiffers = sql`rule IS NOT NULL AND coalesce(w_row_count, 0) <> coalesce(a_row_count, 0)`;
  const ruleCounts = sql`rule || ': ' || CAST(coalesce(w_row_count, 0) AS varchar) || ' in bronze, ' || CAST(coalesce(a_row_count, 0) AS varchar) || ' kept'`;
  const summary = joinSql([
    sql`tag`,
    sql`count_if(day_held) AS recon_rows`,
    sql`count_if(day_held AND differs) AS recon_differing`,
    sql`count_if(day_held AND kpi_rows = 0) AS recon_missing_rows`,
    sql`count_if(day_held AND bronze_rows = 0) AS recon_unexpected_rows`,
    sql`coalesce(sum(a_total) FILTER (WHERE day_held), 0) AS recon_actual_total`,
    sql`coalesce(sum(w_total) FILTER (WHERE day_held), 0) AS recon_wanted_total`,
    ...KEYS.map(([k]) => sql`min_by(${identifier(k)}, sort_key) ${example} AS ${identifier(`recon_key_${k}`)}`),
    ...VALUES.flatMap(([v]) => [
      sql`min_by(${identifier(`a_${v}`)}, sort_key) ${example} AS ${identifier(`recon_actual_${v}`)}`,
      sql`min_by(${identifier(`w_${v}`)}, sort_key) ${example} AS ${identifier(`recon_wanted_${v}`)}`,
    ]),
    sql`min_by(kpi_rows = 0, sort_key) ${example} AS recon_missing`,
    sql`min_by(bronze_rows = 0, sort_key) ${example} AS recon_unexpected`,
    sql`coalesce(sum(w_events), 0) AS bronze_events`,
    sql`max(day) FILTER (WHERE rows_expected) AS bronze_latest_day`,
    sql`count_if(${missingDay}) AS missing_days`,
    sql`${dayList(missingDay)} AS missing_day_list`,
    sql`count_if(${emptyDay}) AS empty_days`,
    sql`${dayList(emptyDay)} AS empty_day_list`,
    sql`coalesce(sum(w_row_count), 0) AS landed_rows`,
    sql`coalesce(sum(w_row_count) FILTER (WHERE rule IS NULL), 0) AS valid_rows`,
    sql`coalesce(sum(w_row_count) FILTER (WHERE rule IS NOT NULL), 0) AS invalid_rows`,
    sql`coalesce(sum(a_row_count), 0) AS rejected_rows`,
    sql`count_if(${ruleDiffers}) AS differing_rules`,
    sql`coalesce(array_join(array_agg(${ruleCounts}) FILTER (WHERE ${ruleDiffers}), '; '), '') AS differences`,
  ], ',\n  ');

  const statement = sql`WITH scanned AS (
  ${scannedRowsSql(source)}
),
grouped AS (
  ${grouped}
),
sides AS (
  ${joinSql([bronzeSide, ...tableSides, ...rejectedSide], '\n  UNION ALL\n  ')}
),
compared AS (
  ${compared}
),
judged AS (
  ${judged}
)
SELECT ${summary}
FROM judged
GROUP BY tag`;

  return {
    tables: tables.map((t) => t.table),
    rejected: options.rejected,
    sql: statement.text,
    params: statement.params,
    read: (rows) => readPass(rows, tables, options.rejected),
  };
}

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
