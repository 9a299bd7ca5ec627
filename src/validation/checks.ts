import { VALID_RANGES } from '../events/schema';
import { CheckedTableName } from '../kpis/catalog';
import { identifier, literal, sql, Sql } from '../sql/statement';

export type Severity = 'error' | 'warn';

/** A rule every row of a table must satisfy. */
export interface ValueRule {
  /** The check's name in the report. */
  readonly check: string;
  readonly severity: Severity;
  /** What the rule demands, as the report's "expected". */
  readonly expected: string;
  /** Columns whose smallest and largest values the report shows next to the violation count. */
  readonly range?: { readonly min: string; readonly max: string };
  /**
   * True for a row that satisfies the rule. NULL counts as a violation, so a rule over a
   * nullable column also catches missing values. Rendered in a SELECT list, where Athena takes
   * no parameter: its values are literals.
   * @param tolerance the tolerance for comparisons of doubles
   */
  ok(tolerance: number): Sql;
}

const { humidity, latitude, longitude, temperature, sensorId } = VALID_RANGES;

const coordinatesValid: ValueRule = {
  check: 'coordinates-valid',
  severity: 'error',
  expected: `latitude in [${latitude.min}, ${latitude.max}], longitude in [${longitude.min}, ${longitude.max}]`,
  ok: () => sql`latitude BETWEEN ${literal(latitude.min)} AND ${literal(latitude.max)} AND longitude BETWEEN ${literal(longitude.min)} AND ${literal(longitude.max)}`,
};

const positive = (column: string): ValueRule => ({
  check: `${column.replaceAll('_', '-')}-positive`,
  severity: 'error',
  expected: `${column} > 0`,
  ok: () => sql`${identifier(column)} > 0`,
  range: { min: column, max: column },
});

/** min <= avg <= max, with a tolerance because an average of equal doubles may differ in the last bit. */
const ordered = (measure: 'temp' | 'humidity'): ValueRule => ({
  check: `${measure}-min-avg-max`,
  severity: 'error',
  expected: `min_${measure} <= avg_${measure} <= max_${measure}`,
  ok: (tolerance) => {
    const [min, avg, max] = ['min', 'avg', 'max'].map((stat) => identifier(`${stat}_${measure}`));
    return sql`${min} <= ${avg} + ${literal(tolerance)} AND ${avg} <= ${max} + ${literal(tolerance)}`;
  },
});

/** The value rules of each table. Column names are the catalog's constants. */
export const VALUE_RULES: Readonly<Record<CheckedTableName, readonly ValueRule[]>> = {
  sensor_health: [
    {
      check: 'sensor-id-valid',
      severity: 'error',
      expected: `sensor_id in [${sensorId.min}, ${sensorId.max}]`,
      ok: () => sql`sensor_id BETWEEN ${literal(sensorId.min)} AND ${literal(sensorId.max)}`,
    },
    positive('total_count'),
    {
      check: 'faulty-count-within-total',
      severity: 'error',
      expected: '0 <= faulty_count <= total_count',
      ok: () => sql`faulty_count BETWEEN 0 AND total_count`,
    },
    {
      check: 'faulty-pct-range',
      severity: 'error',
      expected: '0 <= faulty_pct <= 100',
      ok: () => sql`faulty_pct BETWEEN 0 AND 100`,
      range: { min: 'faulty_pct', max: 'faulty_pct' },
    },
    {
      check: 'faulty-pct-consistent',
      severity: 'error',
      expected: 'faulty_pct = round(100 * faulty_count / total_count, 2)',
      ok: (tolerance) => sql`abs(faulty_pct - round(100e0 * faulty_count / total_count, 2)) <= ${literal(tolerance)}`,
    },
  ],
  status_health: [
    {
      check: 'sensor-count-not-negative',
      severity: 'error',
      expected: 'sensor_count >= 0 (0: no sensor is in that status now)',
      ok: () => sql`sensor_count >= 0`,
      range: { min: 'sensor_count', max: 'sensor_count' },
    },
    positive('event_count'),
  ],
  temp_humidity_kpis: [
    ordered('temp'),
    ordered('humidity'),
    {
      check: 'humidity-range',
      severity: 'error',
      expected: `humidity in [${humidity.min}, ${humidity.max}]`,
      ok: () => sql`min_humidity >= ${literal(humidity.min)} AND max_humidity <= ${literal(humidity.max)}`,
      range: { min: 'min_humidity', max: 'max_humidity' },
    },
    {
      check: 'temperature-range',
      severity: 'error',
      expected: `temperature in [${temperature.min}, ${temperature.max}]`,
      ok: () => sql`min_temp >= ${literal(temperature.min)} AND max_temp <= ${literal(temperature.max)}`,
      range: { min: 'min_temp', max: 'max_temp' },
    },
    coordinatesValid,
  ],
  event_geo_kpis_events: [positive('event_count')],
  event_geo_kpis_faulty_geo: [positive('faulty_count'), coordinatesValid],
  _sensor_health_day_stats: [positive('total_count')],
  _status_health_day_stats: [positive('event_count')],
  _event_geo_kpis_faulty_geo_day_stats: [positive('faulty_count'), coordinatesValid],
};

/**
 * The columns reconciled with bronze's recomputation: the direct aggregates. Derived values
 * (faulty_pct) have their own rule, so that one wrong number fails one check.
 */
export const RECONCILED_COLUMNS: Readonly<Record<CheckedTableName, readonly string[]>> = {
  sensor_health: ['faulty_count', 'total_count'],
  status_health: ['sensor_count', 'event_count'],
  temp_humidity_kpis: ['avg_temp', 'min_temp', 'max_temp', 'avg_humidity', 'min_humidity', 'max_humidity'],
  event_geo_kpis_events: ['event_count'],
  event_geo_kpis_faulty_geo: ['faulty_count'],
  _sensor_health_day_stats: ['faulty_count', 'total_count', 'latest_timestamp', 'latest_uuid', 'latest_status'],
  _status_health_day_stats: ['event_count'],
  _event_geo_kpis_faulty_geo_day_stats: ['faulty_count'],
};
