import { KPI_JOBS, KpiJobName } from './catalog';
import { DayWindow, WINDOW_WITH_ALL, validateWindow } from './day-window';

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
 * What a run recomputes, beyond the window. Without a window and without `all`, a run is
 * incremental: the event days that received arrivals since the job's last run.
 */
export interface KpiRunOptions {
  /** Recompute every day from all of bronze (`--all`). Not with a window. @default false */
  readonly all?: boolean;
  /** The run's own time; arrivals after it are not read. @default - the job's clock */
  readonly asOf?: Date;
  /** Minutes after its end an arrival hour is complete. @default - the jobs' default (20) */
  readonly settleMinutes?: number;
  /** Names the run in the ledger and in rejected_events. @default - a new id made by the job */
  readonly runId?: string;
}

const RUN_ID = /^[A-Za-z0-9_-]{1,64}$/;

function runArguments(window: DayWindow | undefined, options: KpiRunOptions): string[] {
  const args: string[] = [];
  if (window) {
    if (options.all) throw new Error(WINDOW_WITH_ALL);
    validateWindow(window);
    args.push('--from-date', window.fromDate, '--to-date', window.toDate);
  }
  if (options.all) args.push('--all');
  if (options.asOf) {
    if (Number.isNaN(options.asOf.getTime())) throw new Error('The run\'s time (--as-of) is not a valid date.');
    args.push('--as-of', `${options.asOf.toISOString().slice(0, 19)}Z`);
  }
  if (options.settleMinutes !== undefined) {
    if (!Number.isInteger(options.settleMinutes) || options.settleMinutes < 0) throw new Error(`settle minutes must be a whole number >= 0, got ${options.settleMinutes}.`);
    args.push('--settle-minutes', String(options.settleMinutes));
  }
  if (options.runId !== undefined) {
    if (!RUN_ID.test(options.runId)) throw new Error(`A run id is 1 to 64 letters, digits, _ or -, got "${options.runId}".`);
    args.push('--run-id', options.runId);
  }
  return args;
}

/**
 * The job's command-line arguments after the script path: the seed's positional
 * `<BRONZE_PATH> <ICEBERG_DB> <ICEBERG_TABLE> <ICEBERG_WAREHOUSE>`, then the optional window and run
 * options.
 *
 * The local runner (spark-submit) and the EMR step builder both call this, so both targets
 * run identical argument lists.
 */
export function buildJobArguments(job: KpiJobName, locations: JobLocations, window?: DayWindow, options: KpiRunOptions = {}): string[] {
  return [locations.bronzePath, locations.database, KPI_JOBS[job].tableArgument, locations.warehouse, ...runArguments(window, options)];
}

/**
 * Arguments of `all_kpis.py` (ALL_KPIS_SCRIPT): the seed's four positionals with the comma-separated job
 * list where a single job has its ICEBERG_TABLE, then the optional window and run options. Shared by
 * both targets like {@link buildJobArguments}.
 */
export function buildAllKpisArguments(
  jobs: readonly KpiJobName[], locations: JobLocations, window?: DayWindow, options: KpiRunOptions = {},
): string[] {
  if (jobs.length === 0) throw new Error('No KPI job to run: pass at least one of sensor_health, temp_humidity, event_geo.');
  return [locations.bronzePath, locations.database, jobs.join(','), locations.warehouse, ...runArguments(window, options)];
}
