import { qualifiedName, sql, Sql } from './sql';
import { FAULTY_STATUS, VALID_RANGES } from '../events/schema';
import { KpiTableName } from '../kpis/catalog';
import { DayWindow } from '../kpis/day-window';

/** Where the checks find the raw events: the Glue raw table Firehose writes through. */
export interface BronzeSource {
  readonly catalog: string;
  readonly database: string;
  readonly rawTable: string;
}

/**
 * The events the KPI jobs count, as SQL over the raw table, with the Spark jobs' semantics:
 * every field present, strings non-empty, timestamp >= 0, numbers within VALID_RANGES (NaN is
 * outside); one row per uuid (the smallest copy, should re-deliveries differ); `day` is the UTC
 * date of the event time. `window` limits the days, or all of bronze when absent.
 */
export function validEventsSql(source: BronzeSource, window: DayWindow | undefined): Sql {
  const r = VALID_RANGES;
  const dayFilter = window ? sql`WHERE day BETWEEN ${{ type: 'date', value: window.fromDate }} AND ${{ type: 'date', value: window.toDate }}` : sql``;
  return sql`SELECT day, sensor_id, temperature, humidity, latitude, longitude, status, event_type, "timestamp", uuid
  FROM (
    SELECT date_add('day', "timestamp" / 86400, DATE '1970-01-01') AS day,
      sensor_id, temperature, humidity, location.latitude AS latitude, location.longitude AS longitude,
      status, event_type, "timestamp", uuid,
      row_number() OVER (
        PARTITION BY uuid
        ORDER BY "timestamp", sensor_id, temperature, humidity, location.latitude, location.longitude, status, event_type
      ) AS copy
    FROM ${qualifiedName(source.catalog, source.database, source.rawTable)}
    WHERE location IS NOT NULL AND "timestamp" >= 0
      AND length(status) > 0 AND length(event_type) > 0 AND length(uuid) > 0
      AND sensor_id BETWEEN ${r.sensorId.min} AND ${r.sensorId.max}
      AND temperature BETWEEN ${r.temperature.min} AND ${r.temperature.max}
      AND humidity BETWEEN ${r.humidity.min} AND ${r.humidity.max}
      AND location.latitude BETWEEN ${r.latitude.min} AND ${r.latitude.max}
      AND location.longitude BETWEEN ${r.longitude.min} AND ${r.longitude.max}
  )
  ${window ? sql`${dayFilter} AND copy = 1` : sql`WHERE copy = 1`}`;
}

/**
 * Each KPI table recomputed from `valid_events` (a CTE of {@link validEventsSql}), with the
 * columns of the table: the reference the table is reconciled with.
 */
export function referenceSql(table: KpiTableName): Sql {
  switch (table) {
    case 'sensor_health':
      return sql`SELECT sensor_id, count_if(status = ${FAULTY_STATUS}) AS faulty_count, count(*) AS total_count,
    round(100e0 * count_if(status = ${FAULTY_STATUS}) / count(*), 2) AS faulty_pct
  FROM valid_events GROUP BY sensor_id`;
    case 'status_health':
      return sql`SELECT status, count(*) AS sensor_count
  FROM (
    SELECT status, row_number() OVER (PARTITION BY sensor_id ORDER BY "timestamp" DESC, uuid DESC) AS recency
    FROM valid_events
  )
  WHERE recency = 1 GROUP BY status`;
    case 'temp_humidity_kpis':
      return sql`SELECT day, latitude, longitude,
    avg(temperature) AS avg_temp, min(temperature) AS min_temp, max(temperature) AS max_temp,
    avg(humidity) AS avg_humidity, min(humidity) AS min_humidity, max(humidity) AS max_humidity
  FROM valid_events GROUP BY day, latitude, longitude`;
    case 'event_geo_kpis_events':
      return sql`SELECT day, event_type, count(*) AS event_count FROM valid_events GROUP BY day, event_type`;
    case 'event_geo_kpis_faulty_geo':
      return sql`SELECT latitude, longitude, count(*) AS faulty_count
  FROM valid_events WHERE status = ${FAULTY_STATUS} GROUP BY latitude, longitude`;
  }
}
