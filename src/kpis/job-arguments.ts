import { KPI_JOBS, KpiJobName } from './catalog';
import { DayWindow, validateWindow } from './day-window';

/** Everything a KPI job needs to know where to read and write. */
export interface JobLocations {
  /** BRONZE_PATH: where the landed Parquet lives (`s3://bucket/events/`). */
  readonly bronzePath: string;
  /** ICEBERG_DB: the Glue database of the KPI tables. */
  readonly database: string;
  /** ICEBERG_WAREHOUSE: the Iceberg warehouse location (`s3://bucket/warehouse`). */
  readonly warehouse: string;
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
