import { ARRIVAL_KEYS } from '../config/raw-table';
import { FAULTY_STATUS, VALIDITY_RULES, ValidityRule } from '../events/schema';
import { AllTimeTableName } from '../kpis/catalog';
import { daysFrom } from '../kpis/day-window';
import { identifier, joinSql, literal, qualifiedName, sql, Sql, tableAtVersion } from '../sql/statement';

/**
 * The landed objects the tables were computed from, from the runs ledger: every object under the
 * arrival hours up to `throughHour`, plus `openFiles` under later hours. Objects that land after a
 * run are outside its scope, so a late event never fails the validation of a run that could not
 * have seen it.
 */
export interface ArrivalScope {
  /** First arrival day to read, `YYYY-MM-DD` (the day before the first day checked). */
  readonly fromDay: string;
  /** Start of the last arrival hour read whole, `YYYY-MM-DDTHH:00:00Z`. */
  readonly throughHour: string;
  /** Objects read under later hours, as `s3://` paths (the raw table's `"$path"`). */
  readonly openFiles: readonly string[];
}

/** Where the checks find the raw events: the Glue raw table Firehose writes through. */
export interface BronzeSource {
  readonly catalog: string;
  readonly database: string;
  readonly rawTable: string;
  /** Which objects to read. @default every object of the table */
  readonly arrivals?: ArrivalScope;
  /** The snapshot to read of each KPI, partial or ledger table (a run's audit branch head). @default their current state */
  readonly versions?: Readonly<Record<string, string>>;
}

/** A table of the KPI database, at the version the source names for it. */
export function tableOf(source: BronzeSource, table: string): Sql {
  return tableAtVersion(source.catalog, source.database, table, source.versions?.[table]);
}

/** `YYYYMMDDHH` of an arrival hour, as the concatenated partition keys spell it. */
const hourKey = (iso: string) => iso.slice(0, 13).replace(/[-T]/g, '');


/** The day of an open file's arrival hour, from its key. */
function fileDay(path: string): string | undefined {
  const match = /\/year=(\d{4})\/month=(\d{2})\/day=(\d{2})\//.exec(path);
  return match ? `${match[1]}-${match[2]}-${match[3]}` : undefined;
}

/**
 * The rows of the scope: a list of arrival days on the partition keys (so Trino and Athena project
 * only those days' partitions), then the hours up to the mark or the open files.
 */
export function arrivalFilter(scope: ArrivalScope | undefined): Sql {
  if (!scope) return sql`TRUE`;
  const [year, month, day, hour] = ARRIVAL_KEYS.map((k) => identifier(k.name));
  const lastDay = [scope.throughHour.slice(0, 10), ...scope.openFiles.map(fileDay).filter((d): d is string => d !== undefined)].sort().pop()!;
  const listed = daysFrom(scope.fromDay, lastDay < scope.fromDay ? scope.fromDay : lastDay).map((d) =>
    sql`(${year} = ${d.slice(0, 4)} AND ${month} = ${d.slice(5, 7)} AND ${day} = ${d.slice(8, 10)})`);
  const closed = sql`concat(${year}, ${month}, ${day}, ${hour}) <= ${hourKey(scope.throughHour)}`;
  const open = scope.openFiles.length > 0 ? sql` OR "$path" IN (${joinSql(scope.openFiles.map((f) => sql`${f}`), ', ')})` : sql``;
  return sql`(${joinSql(listed, ' OR ')}) AND (${closed}${open})`;
}

/** A rule as SQL over the raw row (in a SELECT list: its values are literals): the name of the way it is broken, or NULL. */
function brokenSql(rule: ValidityRule): Sql {
  const column = joinSql(rule.column.split('.').map(identifier), '.');
  const missing = literal(`${rule.name}-missing`);
  if (rule.kind === 'present') return sql`CASE WHEN ${column} IS NULL THEN ${missing} END`;
  if (rule.kind === 'non-empty') return sql`CASE WHEN ${column} IS NULL THEN ${missing} WHEN length(${column}) = 0 THEN ${literal(`${rule.name}-empty`)} END`;
  // NOT BETWEEN is true for NaN (every comparison with NaN is false): out of range.
  return sql`CASE WHEN ${column} IS NULL THEN ${missing} WHEN NOT (${column} BETWEEN ${literal(rule.min)} AND ${literal(rule.max)}) THEN ${literal(`${rule.name}-out-of-range`)} END`;
}

/** The first rule of VALIDITY_RULES a raw row breaks, or NULL for a valid event, as the Spark jobs blame it. */
export function brokenRuleSql(): Sql {
  return sql`coalesce(${joinSql(VALIDITY_RULES.map(brokenSql), ', ')})`;
}

/**
 * Every bronze row of the source's scope with the first rule it breaks (`rule`, NULL for a valid
 * row) and, for valid rows, the UTC date of its event time (`day`) and its `copy` number among the
 * rows of its (day, uuid): 1 is the copy the jobs count (the smallest, should re-deliveries differ).
 */
export function scannedRowsSql(source: BronzeSource): Sql {
  return sql`SELECT rule, day, sensor_id, temperature, humidity, latitude, longitude, status, event_type, "timestamp", uuid,
    CASE WHEN rule IS NULL THEN row_number() OVER (
      PARTITION BY rule, day, uuid
      ORDER BY "timestamp", sensor_id, temperature, humidity, latitude, longitude, status, event_type
    ) END AS copy
  FROM (
    SELECT rule, CASE WHEN rule IS NULL THEN date_add('day', "timestamp" / 86400, DATE '1970-01-01') END AS day,
      sensor_id, temperature, humidity, latitude, longitude, status, event_type, "timestamp", uuid
    FROM (
      SELECT ${brokenRuleSql()} AS rule, sensor_id, temperature, humidity, location.latitude AS latitude, location.longitude AS longitude,
        status, event_type, "timestamp", uuid
      FROM ${qualifiedName(source.catalog, source.database, source.rawTable)}
      WHERE ${arrivalFilter(source.arrivals)}
    )
  )`;
}

/**
 * The events the KPI jobs count, as SQL over the raw table's rows in `scope`, with the Spark jobs'
 * semantics: no rule of VALIDITY_RULES broken; one row per (day, uuid); `day` is the UTC date of
 * the event time.
 */
export function validEventsSql(source: BronzeSource): Sql {
  return sql`SELECT day, sensor_id, temperature, humidity, latitude, longitude, status, event_type, "timestamp", uuid
  FROM (${scannedRowsSql(source)})
  WHERE copy = 1`;
}

/**
 * Each all-time table recomputed from `valid_events` (a CTE of {@link validEventsSql}), with the
 * columns of the table: what `--full` reconciles it with. The daily tables' recomputations are
 * the one aggregation of the bronze pass (bronze-pass.ts).
 */
export function referenceSql(table: AllTimeTableName): Sql {
  switch (table) {
    case 'sensor_health':
      return sql`SELECT sensor_id, count_if(status = ${literal(FAULTY_STATUS)}) AS faulty_count, count(*) AS total_count,
    round(100e0 * count_if(status = ${literal(FAULTY_STATUS)}) / count(*), 2) AS faulty_pct
  FROM valid_events GROUP BY sensor_id`;
    case 'status_health':
      return sql`SELECT e.status, coalesce(s.sensor_count, 0) AS sensor_count, e.event_count
  FROM (SELECT status, count(*) AS event_count FROM valid_events GROUP BY status) e
  LEFT JOIN (
    SELECT status, count(*) AS sensor_count
    FROM (
      SELECT status, row_number() OVER (PARTITION BY sensor_id ORDER BY "timestamp" DESC, uuid DESC) AS recency
      FROM valid_events
    )
    WHERE recency = 1 GROUP BY status
  ) s ON s.status = e.status`;
    case 'event_geo_kpis_faulty_geo':
      return sql`SELECT latitude, longitude, count(*) AS faulty_count
  FROM valid_events WHERE status = ${FAULTY_STATUS} GROUP BY latitude, longitude`;
  }
}

/**
 * Each all-time table recomputed from its per-day partials (whole): the check that a run rebuilt it
 * from exactly what its partials hold. Partials are themselves reconciled with bronze on the days
 * checked, so together they vouch for the all-time table without reading all of history.
 */
export function fromPartialsSql(table: AllTimeTableName, source: BronzeSource): Sql {
  const partial = (name: string) => tableOf(source, name);
  switch (table) {
    case 'sensor_health':
      return sql`SELECT sensor_id, sum(faulty_count) AS faulty_count, sum(total_count) AS total_count
  FROM ${partial('_sensor_health_day_stats')} GROUP BY sensor_id`;
    case 'status_health':
      return sql`SELECT e.status, coalesce(s.sensor_count, 0) AS sensor_count, e.event_count
  FROM (SELECT status, sum(event_count) AS event_count FROM ${partial('_status_health_day_stats')} GROUP BY status) e
  LEFT JOIN (
    SELECT latest_status AS status, count(*) AS sensor_count
    FROM (
      SELECT latest_status, row_number() OVER (PARTITION BY sensor_id ORDER BY latest_timestamp DESC, latest_uuid DESC) AS recency
      FROM ${partial('_sensor_health_day_stats')}
    )
    WHERE recency = 1 GROUP BY latest_status
  ) s ON s.status = e.status`;
    case 'event_geo_kpis_faulty_geo':
      return sql`SELECT latitude, longitude, sum(faulty_count) AS faulty_count
  FROM ${partial('_event_geo_kpis_faulty_geo_day_stats')} GROUP BY latitude, longitude`;
  }
}
