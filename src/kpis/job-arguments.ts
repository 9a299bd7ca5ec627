import { KPI_JOBS, KpiJobName } from './catalog';

/** A UTC day window; both ends inclusive, `YYYY-MM-DD`. */
export interface DayWindow {
  readonly fromDate: string;
  readonly toDate: string;
}

/** Everything a KPI job needs to know where to read and write. */
export interface JobLocations {
  /** BRONZE_PATH: where the landed Parquet lives (`s3://bucket/events/`). */
  readonly bronzePath: string;
  /** ICEBERG_DB: the Glue database of the KPI tables. */
  readonly database: string;
  /** ICEBERG_WAREHOUSE: the Iceberg warehouse location (`s3://bucket/warehouse`). */
  readonly warehouse: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Validates a window: well-formed real dates, from <= to. */
export function validateWindow(window: DayWindow): DayWindow {
  for (const [label, value] of [['from-date', window.fromDate], ['to-date', window.toDate]] as const) {
    if (!DAY.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)) || new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value) {
      throw new Error(`--${label} must be a UTC day as YYYY-MM-DD, got "${value}".`);
    }
  }
  if (window.fromDate > window.toDate) {
    throw new Error(`--from-date (${window.fromDate}) is after --to-date (${window.toDate}); swap them or widen the window.`);
  }
  return window;
}

/**
 * The job's command-line arguments after the script path: the seed's positional
 * `<BRONZE_PATH> <ICEBERG_DB> <ICEBERG_TABLE> <ICEBERG_WAREHOUSE>`, then the optional window.
 *
 * The local runner (spark-submit) and the EMR step builder both call this, so both targets
 * run identical argument lists.
 */
export function buildJobArguments(job: KpiJobName, locations: JobLocations, window?: DayWindow): string[] {
  const args = [locations.bronzePath, locations.database, KPI_JOBS[job].tableArgument, locations.warehouse];
  if (window) {
    validateWindow(window);
    args.push('--from-date', window.fromDate, '--to-date', window.toDate);
  }
  return args;
}

/**
 * Arguments of `all_kpis.py` (ALL_KPIS_SCRIPT): the seed's four positionals with the comma-separated job
 * list where a single job has its ICEBERG_TABLE, then the optional window. Shared by both targets
 * like {@link buildJobArguments}.
 */
export function buildAllKpisArguments(jobs: readonly KpiJobName[], locations: JobLocations, window?: DayWindow): string[] {
  if (jobs.length === 0) throw new Error('No KPI job to run: pass at least one of sensor_health, temp_humidity, event_geo.');
  const args = [locations.bronzePath, locations.database, jobs.join(','), locations.warehouse];
  if (window) {
    validateWindow(window);
    args.push('--from-date', window.fromDate, '--to-date', window.toDate);
  }
  return args;
}
