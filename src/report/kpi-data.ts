import { QUERY_CATALOG } from '../config/names';
import type { QueryEngine, TypedValue } from '../engines/query-engine';
import type { KpiTableName } from '../kpis/catalog';
import type { DayWindow } from '../kpis/day-window';
import { tableAtVersion } from '../sql/statement';

/** How many sensors the "highest faulty_pct" chart shows. */
export const TOP_FAULTY_SENSORS = 10;

/** The KPI rows the HTML report charts, read from the tables after the run. */
export interface KpiChartData {
  /** event_geo_kpis_events over the run's days. */
  readonly eventsPerDay?: ReadonlyArray<{ readonly day: string; readonly eventType: string; readonly events: number }>;
  /** temp_humidity_kpis over the run's days, one row per day and location. */
  readonly temperature?: ReadonlyArray<{
    readonly day: string;
    readonly location: string;
    readonly min: number;
    readonly avg: number;
    readonly max: number;
  }>;
  /** sensor_health's sensors with the highest faulty_pct (ties by sensor id). */
  readonly faultySensors?: ReadonlyArray<{
    readonly sensorId: number;
    readonly faultyPct: number;
    readonly faultyCount: number;
    readonly totalCount: number;
  }>;
  /** status_health. */
  readonly statuses?: ReadonlyArray<{ readonly status: string; readonly sensors: number }>;
}

export interface KpiChartQueryOptions {
  readonly database: string;
  /** The tables the run wrote; charts of other tables are left out. */
  readonly tables: readonly KpiTableName[];
  /** The run's event days; without one, every day. */
  readonly window?: DayWindow;
  /** The snapshot of each table to read (the run's audit branch heads). @default their current state */
  readonly versions?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
}

const num = (v: TypedValue) => Number(v);
const text = (v: TypedValue) => String(v);

/**
 * Reads what the report's KPI charts show: four small aggregates (days x types, days x locations,
 * ten sensors, the statuses), the same SQL on Trino and Athena.
 */
export async function queryKpiChartData(engine: QueryEngine, options: KpiChartQueryOptions): Promise<KpiChartData> {
  const { database, tables, window, signal } = options;
  const from = (table: KpiTableName) => tableAtVersion(QUERY_CATALOG, database, table, options.versions?.[table]).text;
  const days = window ? ' WHERE day BETWEEN ? AND ?' : '';
  const dayParams = window ? [{ type: 'date' as const, value: window.fromDate }, { type: 'date' as const, value: window.toDate }] : [];
  const data: { -readonly [K in keyof KpiChartData]: KpiChartData[K] } = {};
  if (tables.includes('event_geo_kpis_events')) {
    const result = await engine.query(
      `SELECT CAST(day AS varchar) AS day, event_type, event_count FROM ${from('event_geo_kpis_events')}${days} ORDER BY day, event_type`, dayParams, { signal });
    data.eventsPerDay = result.rows.map((r) => ({ day: text(r.day), eventType: text(r.event_type), events: num(r.event_count) }));
  }
  if (tables.includes('temp_humidity_kpis')) {
    const result = await engine.query(
      `SELECT CAST(day AS varchar) AS day, latitude, longitude, min_temp, avg_temp, max_temp FROM ${from('temp_humidity_kpis')}${days} ORDER BY day, latitude, longitude`,
      dayParams, { signal });
    data.temperature = result.rows.map((r) => ({
      day: text(r.day),
      location: `${num(r.latitude).toFixed(2)}, ${num(r.longitude).toFixed(2)}`,
      min: num(r.min_temp),
      avg: num(r.avg_temp),
      max: num(r.max_temp),
    }));
  }
  if (tables.includes('sensor_health')) {
    const result = await engine.query(
      `SELECT sensor_id, faulty_pct, faulty_count, total_count FROM ${from('sensor_health')} ORDER BY faulty_pct DESC, sensor_id LIMIT ${TOP_FAULTY_SENSORS}`, [], { signal });
    data.faultySensors = result.rows.map((r) => ({
      sensorId: num(r.sensor_id),
      faultyPct: num(r.faulty_pct),
      faultyCount: num(r.faulty_count),
      totalCount: num(r.total_count),
    }));
  }
  if (tables.includes('status_health')) {
    const result = await engine.query(`SELECT status, sensor_count FROM ${from('status_health')} ORDER BY sensor_count DESC, status`, [], { signal });
    data.statuses = result.rows.map((r) => ({ status: text(r.status), sensors: num(r.sensor_count) }));
  }
  return data;
}
