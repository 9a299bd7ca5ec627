import { EVENT_FIELDS, PrimitiveType, StructType, sparkType } from '../events/schema';

/**
 * The KPI catalog: which Spark job writes which Iceberg tables, and each table's columns. The five
 * KPI tables' names and columns are the seed's contract (the original Airflow + EMR pipeline's,
 * listed in docs/architecture.md, "The event and the tables"); the jobs also keep per-day partial aggregates, the valid events they are computed
 * from, the rows they rejected and a ledger of their runs. spark/clickstream_jobs/contracts.py
 * holds the Spark copy of every table's columns; test/kpis/contracts.test.ts fails when it drifts.
 */

/** Column types of the tables the check suite reads. */
export type ColumnType = PrimitiveType | 'date';

/** Column types of any table the jobs keep. */
export type StoredColumnType = ColumnType | StructType | 'boolean' | 'timestamp' | 'array<string>' | 'array<date>';

export interface StoredColumn {
  readonly name: string;
  readonly type: StoredColumnType;
}

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

/** Spark SQL DDL of a column type. */
export function sparkColumnType(type: StoredColumnType): string {
  if (typeof type !== 'string' || type === 'int' || type === 'bigint' || type === 'double' || type === 'string') return sparkType(type);
  return type.toUpperCase();
}

/** A table's columns as a Spark DDL column list (`name TYPE, ...`). */
export function sparkColumnsDdl(columns: readonly StoredColumn[]): string {
  return columns.map((c) => `${c.name} ${sparkColumnType(c.type)}`).join(', ');
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
      { name: 'event_count', type: 'bigint' },
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

/**
 * The per-day partial aggregates the all-time tables are rebuilt from: a run recomputes the days it
 * changes and sums the partials, so its cost follows the days it touches, not history. Validation
 * checks them against bronze on the days it checks, and each all-time table against its partials.
 */
export const PARTIAL_TABLES = {
  _sensor_health_day_stats: {
    name: '_sensor_health_day_stats',
    columns: [
      { name: 'day', type: 'date' },
      { name: 'sensor_id', type: 'int' },
      { name: 'faulty_count', type: 'bigint' },
      { name: 'total_count', type: 'bigint' },
      { name: 'latest_timestamp', type: 'bigint' },
      { name: 'latest_uuid', type: 'string' },
      { name: 'latest_status', type: 'string' },
    ],
    grain: ['day', 'sensor_id'],
    allTime: false,
  },
  _status_health_day_stats: {
    name: '_status_health_day_stats',
    columns: [
      { name: 'day', type: 'date' },
      { name: 'status', type: 'string' },
      { name: 'event_count', type: 'bigint' },
    ],
    grain: ['day', 'status'],
    allTime: false,
  },
  _event_geo_kpis_faulty_geo_day_stats: {
    name: '_event_geo_kpis_faulty_geo_day_stats',
    columns: [
      { name: 'day', type: 'date' },
      { name: 'latitude', type: 'double' },
      { name: 'longitude', type: 'double' },
      { name: 'faulty_count', type: 'bigint' },
    ],
    grain: ['day', 'latitude', 'longitude'],
    allTime: false,
  },
} as const satisfies Record<string, KpiTable>;

export type PartialTableName = keyof typeof PARTIAL_TABLES;

/** Every table the check suite knows: the KPI tables and their partials. */
export const CHECKED_TABLES = { ...KPI_TABLES, ...PARTIAL_TABLES } as const;
export type CheckedTableName = keyof typeof CHECKED_TABLES;
/** The checked tables that cover all time (one row set for all days). */
export type AllTimeTableName = { [K in CheckedTableName]: (typeof CHECKED_TABLES)[K]['allTime'] extends true ? K : never }[CheckedTableName];
/** The checked tables with one row set per day. */
export type DailyTableName = Exclude<CheckedTableName, AllTimeTableName>;

/** The valid events every day table is computed from: one row per (day, uuid), partitioned by day. */
export const VALID_EVENTS_TABLE = '_valid_events';
/** Bronze rows that broke a validity rule, as landed, with the rule, their arrival hour, file and run. */
export const REJECTED_EVENTS_TABLE = 'rejected_events';
/** The runs ledger: per job and run, what it read and recomputed, and its high-water mark after it. */
export const KPI_RUNS_TABLE = '_kpi_runs';
/** The verdicts of the validations of runs' audit branches; publishing a run requires a passing one. */
export const KPI_VALIDATIONS_TABLE = '_kpi_validations';

/** The columns of the tables the jobs keep besides the KPI tables and their partials. */
export const LEDGER_TABLE_COLUMNS: Readonly<Record<string, readonly StoredColumn[]>> = {
  [VALID_EVENTS_TABLE]: [
    { name: 'day', type: 'date' },
    { name: 'sensor_id', type: 'int' },
    { name: 'temperature', type: 'double' },
    { name: 'humidity', type: 'double' },
    { name: 'latitude', type: 'double' },
    { name: 'longitude', type: 'double' },
    { name: 'status', type: 'string' },
    { name: 'event_type', type: 'string' },
    { name: 'timestamp', type: 'bigint' },
    { name: 'uuid', type: 'string' },
  ],
  [REJECTED_EVENTS_TABLE]: [
    ...EVENT_FIELDS.map((f) => ({ name: f.name, type: f.type })),
    { name: 'rule', type: 'string' },
    { name: 'arrival_hour', type: 'timestamp' },
    { name: 'source_file', type: 'string' },
    { name: 'run_id', type: 'string' },
  ],
  [KPI_RUNS_TABLE]: [
    { name: 'run_id', type: 'string' },
    { name: 'job', type: 'string' },
    { name: 'mode', type: 'string' },
    { name: 'as_of', type: 'timestamp' },
    { name: 'finished_at', type: 'timestamp' },
    { name: 'window_from', type: 'date' },
    { name: 'window_to', type: 'date' },
    { name: 'high_water_mark', type: 'timestamp' },
    { name: 'open_objects', type: 'array<string>' },
    { name: 'read_through', type: 'timestamp' },
    { name: 'read_open', type: 'array<string>' },
    { name: 'first_arrival', type: 'timestamp' },
    { name: 'recomputed_days', type: 'array<date>' },
    { name: 'bronze_objects', type: 'bigint' },
    { name: 'bronze_bytes', type: 'bigint' },
    { name: 'rows_read', type: 'bigint' },
    { name: 'rows_rejected', type: 'bigint' },
    { name: 'rows_valid', type: 'bigint' },
    { name: 'duplicates', type: 'bigint' },
  ],
  [KPI_VALIDATIONS_TABLE]: [
    { name: 'run_id', type: 'string' },
    // ISO 8601 UTC text: written by Trino or Athena, read by Spark, sorted as text.
    { name: 'validated_at', type: 'string' },
    { name: 'engine', type: 'string' },
    { name: 'passed', type: 'boolean' },
    { name: 'checks', type: 'bigint' },
    { name: 'failed', type: 'bigint' },
    { name: 'failed_checks', type: 'string' },
  ],
};

export interface KpiJob {
  readonly name: string;
  /** Script file name under spark/ (and under the scripts bucket's version prefix). */
  readonly script: string;
  readonly tables: readonly KpiTableName[];
  /** The per-day partial aggregates its all-time tables are rebuilt from. */
  readonly partials: readonly PartialTableName[];
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
    partials: ['_sensor_health_day_stats', '_status_health_day_stats'],
    tableArgument: 'sensor_health',
  },
  temp_humidity: {
    name: 'temp_humidity',
    script: 'kpi_temp_humidity.py',
    tables: ['temp_humidity_kpis'],
    partials: [],
    tableArgument: 'temp_humidity_kpis',
  },
  event_geo: {
    name: 'event_geo',
    script: 'kpi_event_geo.py',
    tables: ['event_geo_kpis_events', 'event_geo_kpis_faulty_geo'],
    partials: ['_event_geo_kpis_faulty_geo_day_stats'],
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
