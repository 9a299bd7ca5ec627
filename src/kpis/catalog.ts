/**
 * The KPI catalog: which Spark job writes which Iceberg tables, and each table's columns.
 * Names and columns are the seed's contract (see DESIGN.md).
 */

export type ColumnType = 'int' | 'bigint' | 'double' | 'string' | 'date';

export interface KpiColumn {
  readonly name: string;
  readonly type: ColumnType;
}

export interface KpiTable {
  readonly name: string;
  readonly columns: readonly KpiColumn[];
  /** Columns that identify one row (the table's grain). */
  readonly grain: readonly string[];
  /** True when the table covers all time rather than one row set per day. */
  readonly allTime: boolean;
}

export const KPI_TABLES = {
  sensor_health: {
    name: 'sensor_health',
    columns: [
      { name: 'sensor_id', type: 'int' },
      { name: 'faulty_count', type: 'bigint' },
      { name: 'total_count', type: 'bigint' },
      { name: 'faulty_pct', type: 'double' },
    ],
    grain: ['sensor_id'],
    allTime: true,
  },
  status_health: {
    name: 'status_health',
    columns: [
      { name: 'status', type: 'string' },
      { name: 'sensor_count', type: 'bigint' },
    ],
    grain: ['status'],
    allTime: true,
  },
  temp_humidity_kpis: {
    name: 'temp_humidity_kpis',
    columns: [
      { name: 'day', type: 'date' },
      { name: 'latitude', type: 'double' },
      { name: 'longitude', type: 'double' },
      { name: 'avg_temp', type: 'double' },
      { name: 'min_temp', type: 'double' },
      { name: 'max_temp', type: 'double' },
      { name: 'avg_humidity', type: 'double' },
      { name: 'min_humidity', type: 'double' },
      { name: 'max_humidity', type: 'double' },
    ],
    grain: ['day', 'latitude', 'longitude'],
    allTime: false,
  },
  event_geo_kpis_events: {
    name: 'event_geo_kpis_events',
    columns: [
      { name: 'day', type: 'date' },
      { name: 'event_type', type: 'string' },
      { name: 'event_count', type: 'bigint' },
    ],
    grain: ['day', 'event_type'],
    allTime: false,
  },
  event_geo_kpis_faulty_geo: {
    name: 'event_geo_kpis_faulty_geo',
    columns: [
      { name: 'latitude', type: 'double' },
      { name: 'longitude', type: 'double' },
      { name: 'faulty_count', type: 'bigint' },
    ],
    grain: ['latitude', 'longitude'],
    allTime: true,
  },
} as const satisfies Record<string, KpiTable>;

export type KpiTableName = keyof typeof KPI_TABLES;

export interface KpiJob {
  readonly name: string;
  /** Script file name under spark/ (and under the scripts bucket's version prefix). */
  readonly script: string;
  readonly tables: readonly KpiTableName[];
  /**
   * The seed's ICEBERG_TABLE positional argument: the job's primary table name (the seed's
   * event_geo job derives `<name>_events` and `<name>_faulty_geo` from it).
   */
  readonly tableArgument: string;
}

export const KPI_JOBS = {
  sensor_health: {
    name: 'sensor_health',
    script: 'kpi_sensor_health.py',
    tables: ['sensor_health', 'status_health'],
    tableArgument: 'sensor_health',
  },
  temp_humidity: {
    name: 'temp_humidity',
    script: 'kpi_temp_humidity.py',
    tables: ['temp_humidity_kpis'],
    tableArgument: 'temp_humidity_kpis',
  },
  event_geo: {
    name: 'event_geo',
    script: 'kpi_event_geo.py',
    tables: ['event_geo_kpis_events', 'event_geo_kpis_faulty_geo'],
    tableArgument: 'event_geo_kpis',
  },
} as const satisfies Record<string, KpiJob>;

export type KpiJobName = keyof typeof KPI_JOBS;
export const KPI_JOB_NAMES = Object.keys(KPI_JOBS) as KpiJobName[];

/** Parses a comma-separated job list (`all` or names), failing with the valid names. */
export function parseJobList(value: string | undefined): KpiJobName[] {
  if (!value || value.trim() === '' || value.trim() === 'all') return [...KPI_JOB_NAMES];
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(n in KPI_JOBS));
  if (unknown.length > 0) {
    throw new Error(`Unknown KPI job(s): ${unknown.join(', ')}. Valid jobs: ${KPI_JOB_NAMES.join(', ')} (or "all").`);
  }
  return [...new Set(names)] as KpiJobName[];
}

/**
 * The script that runs several jobs in one Spark application, reading bronze once. Its arguments
 * have the seed's shape with the job list in the ICEBERG_TABLE slot (see buildAllKpisArguments).
 */
export const ALL_KPIS_SCRIPT = 'all_kpis.py';

/** The Python package under spark/ the job scripts import; ship it with `--py-files`. */
export const SPARK_JOBS_PACKAGE = 'clickstream_jobs';
