import { RECONCILED_COLUMNS } from './checks';
import { SQL_TYPES } from './schema-query';
import { FAULTY_STATUS } from '../events/schema';
import { CHECKED_TABLES, CheckedTableName, DailyTableName } from '../kpis/catalog';
import { literal, sql, Sql } from '../sql/statement';

/**
 * The columns of the bronze pass (bronze-pass.ts): the keys every daily table groups by, the values
 * it recomputes, and how each is computed from valid events, derived from the KPI catalog.
 */

export const DAILY_TABLES = (Object.keys(CHECKED_TABLES) as CheckedTableName[]).filter((t) => !CHECKED_TABLES[t].allTime) as DailyTableName[];

/** The SQL type of a column of the daily tables. */
export function typeOf(column: string): string {
  for (const table of DAILY_TABLES) {
    const found = CHECKED_TABLES[table].columns.find((c) => c.name === column);
    if (found) return SQL_TYPES[found.type];
  }
  throw new Error(`No daily table has a column "${column}".`);
}

const unique = (names: readonly string[]) => [...new Set(names)];
/** Every grain column of the daily tables, then the rule a rejected row broke. */
export const KEYS: ReadonlyArray<readonly [string, string]> = [
  ...unique(DAILY_TABLES.flatMap((t) => CHECKED_TABLES[t].grain)).map((k) => [k, typeOf(k)] as const),
  ['rule', 'varchar'],
];
/** Counted in every group: `events` (valid, de-duplicated) and `row_count` (every landed row). */
export const VALUES: ReadonlyArray<readonly [string, string]> = [
  ['events', 'bigint'],
  ['row_count', 'bigint'],
  ...unique(DAILY_TABLES.flatMap((t) => RECONCILED_COLUMNS[t])).map((v) => [v, typeOf(v)] as const),
];

/** Each reconciled column of a daily table as an aggregate over the valid events of one group of its grain. */
export const RECOMPUTED: Readonly<Record<string, Sql>> = {
  event_count: sql`count(*)`,
  total_count: sql`count(*)`,
  faulty_count: sql`count_if(status = ${literal(FAULTY_STATUS)})`,
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
export const GROUPS_WITHOUT_ROWS: Partial<Record<DailyTableName, (column: (name: string) => Sql) => Sql>> = {
  _event_geo_kpis_faulty_geo_day_stats: (column) => sql`coalesce(${column('faulty_count')}, 0) = 0`,
};

/** Sorts like the grain, whatever the tag: an absent key is a constant. */
export const FIRST_OF: Readonly<Record<string, string>> = { date: 'DATE \'1970-01-01\'', varchar: '\'\'', double: '0e0', integer: '0', bigint: '0' };

/** A table whose first reconciled column is a count shows its total next to bronze's. */
export const hasTotal = (table: DailyTableName) => ['bigint', 'integer'].includes(typeOf(RECONCILED_COLUMNS[table][0]));

export const daysTag = (table: DailyTableName) => `days:${table}`;
export const REJECTED_TAG = 'rejected';

