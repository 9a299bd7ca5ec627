import { KPI_TABLES, KpiTableName, PARTIAL_TABLES, PartialTableName } from './catalog';
import { DayWindow, utcDay } from './day-window';
import { FAULTY_STATUS } from '../events/schema';
import { RawEvent, brokenRule, isValidEvent } from '../events/validity';

export type { RawEvent };
export { brokenRule, isValidEvent };

/**
 * An independent reference computation of the five KPI tables, in plain TypeScript, with the
 * semantics documented in spark/README.md. Tests compare the Spark jobs' tables with it.
 */

/** One output row; `day` is `YYYY-MM-DD`. */
export type KpiRow = Record<string, string | number>;
export type KpiTablesRows = Record<KpiTableName, KpiRow[]>;

interface CleanEvent {
  readonly day: string;
  readonly sensor_id: number;
  readonly temperature: number;
  readonly humidity: number;
  readonly latitude: number;
  readonly longitude: number;
  readonly status: string;
  readonly event_type: string;
  readonly timestamp: number;
  readonly uuid: string;
}

function compare(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareTuples(a: ReadonlyArray<string | number>, b: ReadonlyArray<string | number>): number {
  for (let i = 0; i < a.length; i++) {
    const c = compare(a[i], b[i]);
    if (c !== 0) return c;
  }
  return 0;
}

/** The order that picks among differing copies of one uuid (the smallest wins). */
const copyOrder = (e: CleanEvent) => [e.timestamp, e.sensor_id, e.temperature, e.humidity, e.latitude, e.longitude, e.status, e.event_type];

/** Valid events of the window's days, one per (day, uuid). */
export function cleanEvents(events: readonly RawEvent[], window?: DayWindow): CleanEvent[] {
  const byKey = new Map<string, CleanEvent>();
  for (const raw of events) {
    if (!isValidEvent(raw)) continue;
    const event: CleanEvent = {
      day: utcDay(raw.timestamp!),
      sensor_id: raw.sensor_id!,
      temperature: raw.temperature!,
      humidity: raw.humidity!,
      latitude: raw.location!.latitude!,
      longitude: raw.location!.longitude!,
      status: raw.status!,
      event_type: raw.event_type!,
      timestamp: raw.timestamp!,
      uuid: raw.uuid!,
    };
    if (window && (event.day < window.fromDate || event.day > window.toDate)) continue;
    const key = `${event.day}|${event.uuid}`;
    const kept = byKey.get(key);
    if (!kept || compareTuples(copyOrder(event), copyOrder(kept)) < 0) byKey.set(key, event);
  }
  return [...byKey.values()];
}

/** round(100 * faulty / total, 2), half up, computed exactly on integers. */
export function faultyPct(faulty: number, total: number): number {
  return Math.floor((20_000 * faulty + total) / (2 * total)) / 100;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
const isFaulty = (e: CleanEvent) => e.status === FAULTY_STATUS;

/** Sorts rows by the table's grain, the order tests compare in. */
export function sortByGrain(table: KpiTableName, rows: readonly KpiRow[]): KpiRow[] {
  const grain = KPI_TABLES[table].grain as readonly string[];
  return [...rows].sort((a, b) => compareTuples(grain.map((g) => a[g]), grain.map((g) => b[g])));
}

/**
 * Rows as tests and the simulation compare them with the reference: in grain order, with fractional
 * numbers to 9 decimals (averages differ in the last bits with the summation order).
 */
export function comparableRows(table: KpiTableName, rows: readonly KpiRow[]): KpiRow[] {
  return sortByGrain(table, rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) =>
    [k, typeof v === 'number' && !Number.isInteger(v) ? Number(v.toFixed(9)) : v]))));
}

/**
 * The five tables over the window's events (all events without a window): the day tables hold
 * the window's days, the all-time tables everything the window contains.
 */
export function referenceKpis(events: readonly RawEvent[], window?: DayWindow): KpiTablesRows {
  const clean = cleanEvents(events, window);
  const bySensor = groupBy(clean, (e) => String(e.sensor_id));
  const sensorHealth = [...bySensor.values()].map((group) => {
    const faulty = group.filter(isFaulty).length;
    return { sensor_id: group[0].sensor_id, faulty_count: faulty, total_count: group.length, faulty_pct: faultyPct(faulty, group.length) };
  });
  const latestStatuses = [...bySensor.values()].map((group) =>
    group.reduce((a, b) => (compareTuples([a.timestamp, a.uuid], [b.timestamp, b.uuid]) >= 0 ? a : b)).status);
  const sensorsByStatus = groupBy(latestStatuses, (s) => s);
  const statusHealth = [...groupBy(clean, (e) => e.status).entries()].map(([status, readings]) => ({
    status, sensor_count: sensorsByStatus.get(status)?.length ?? 0, event_count: readings.length,
  }));
  const tempHumidity = [...groupBy(clean, (e) => `${e.day}|${e.latitude}|${e.longitude}`).values()].map((group) => {
    const temps = group.map((e) => e.temperature);
    const hums = group.map((e) => e.humidity);
    return {
      day: group[0].day,
      latitude: group[0].latitude,
      longitude: group[0].longitude,
      avg_temp: sum(temps) / temps.length,
      min_temp: Math.min(...temps),
      max_temp: Math.max(...temps),
      avg_humidity: sum(hums) / hums.length,
      min_humidity: Math.min(...hums),
      max_humidity: Math.max(...hums),
    };
  });
  const eventCounts = [...groupBy(clean, (e) => `${e.day}|${e.event_type}`).values()].map((group) => ({
    day: group[0].day, event_type: group[0].event_type, event_count: group.length,
  }));
  const faultyGeo = [...groupBy(clean.filter(isFaulty), (e) => `${e.latitude}|${e.longitude}`).values()].map((group) => ({
    latitude: group[0].latitude, longitude: group[0].longitude, faulty_count: group.length,
  }));
  return {
    sensor_health: sortByGrain('sensor_health', sensorHealth),
    status_health: sortByGrain('status_health', statusHealth),
    temp_humidity_kpis: sortByGrain('temp_humidity_kpis', tempHumidity),
    event_geo_kpis_events: sortByGrain('event_geo_kpis_events', eventCounts),
    event_geo_kpis_faulty_geo: sortByGrain('event_geo_kpis_faulty_geo', faultyGeo),
  };
}

/** The per-day partial aggregates the all-time tables are rebuilt from, over the window's events. */
export function referencePartials(events: readonly RawEvent[], window?: DayWindow): Record<PartialTableName, KpiRow[]> {
  const clean = cleanEvents(events, window);
  const sensorDays = [...groupBy(clean, (e) => `${e.day}|${e.sensor_id}`).values()].map((group) => {
    const latest = group.reduce((a, b) => (compareTuples([a.timestamp, a.uuid], [b.timestamp, b.uuid]) >= 0 ? a : b));
    return {
      day: group[0].day,
      sensor_id: group[0].sensor_id,
      faulty_count: group.filter(isFaulty).length,
      total_count: group.length,
      latest_timestamp: latest.timestamp,
      latest_uuid: latest.uuid,
      latest_status: latest.status,
    };
  });
  const statusDays = [...groupBy(clean, (e) => `${e.day}|${e.status}`).values()].map((group) => ({ day: group[0].day, status: group[0].status, event_count: group.length }));
  const faultyDays = [...groupBy(clean.filter(isFaulty), (e) => `${e.day}|${e.latitude}|${e.longitude}`).values()].map((group) => ({
    day: group[0].day, latitude: group[0].latitude, longitude: group[0].longitude, faulty_count: group.length,
  }));
  const sorted = (table: PartialTableName, rows: KpiRow[]) => {
    const grain = PARTIAL_TABLES[table].grain as readonly string[];
    return [...rows].sort((a, b) => compareTuples(grain.map((g) => a[g]), grain.map((g) => b[g])));
  };
  return {
    _sensor_health_day_stats: sorted('_sensor_health_day_stats', sensorDays),
    _status_health_day_stats: sorted('_status_health_day_stats', statusDays),
    _event_geo_kpis_faulty_geo_day_stats: sorted('_event_geo_kpis_faulty_geo_day_stats', faultyDays),
  };
}

/** A bronze row that breaks a validity rule, and the rule (what `rejected_events` holds for it). */
export interface RejectedEvent {
  readonly event: RawEvent;
  readonly rule: string;
}

/** The rows of `events` that break a validity rule, in input order. */
export function rejectedEvents(events: readonly RawEvent[]): RejectedEvent[] {
  return events.flatMap((event) => {
    const rule = brokenRule(event);
    return rule ? [{ event, rule }] : [];
  });
}
