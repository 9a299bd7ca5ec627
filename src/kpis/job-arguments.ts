import { KPI_JOBS, KpiJobName } from './catalog';
import { KpiScope } from './day-window';
import { parseRunId } from './run-ledger';
import { asOfArgument } from '../timing/as-of';

/** Everything a KPI job needs to know where to read and write. */
export interface JobLocations {
  /** BRONZE_PATH: where the landed Parquet lives (`s3://bucket/events/`). */
  readonly bronzePath: string;
  /** ICEBERG_DB: the Glue database of the KPI tables. */
  readonly database: string;
  /** ICEBERG_WAREHOUSE: the Iceberg warehouse location (`s3://bucket/warehouse`). */
  readonly warehouse: string;
}

/** How a run recomputes its scope: its time, settle minutes and id. */
export interface KpiRunOptions {
  /** The run's own time; arrivals after it are not read. @default - the job's clock */
  readonly asOf?: Date;
  /** Minutes after its end an arrival hour is complete. @default - the jobs' default (20) */
  readonly settleMinutes?: number;
  /** Names the run in the ledger and in rejected_events. @default - a new id made by the job */
  readonly runId?: string;
}

/** A run with no scope given recomputes the days that received arrivals since the last run. */
export const INCREMENTAL: KpiScope = { kind: 'incremental' };

/** `--settle-minutes`' value: a whole number >= 0, in digits. */
export function settleMinutesArgument(minutes: number): string {
  if (!Number.isSafeInteger(minutes) || minutes < 0) throw new Error(`settle minutes must be a whole number >= 0, got ${minutes}.`);
  return String(minutes);
}

function runArguments(scope: KpiScope, options: KpiRunOptions): string[] {
  const args: string[] = [];
  if (scope.kind === 'window') args.push('--from-date', scope.window.fromDate, '--to-date', scope.window.toDate);
  if (scope.kind === 'all') args.push('--all');
  if (options.asOf) args.push('--as-of', asOfArgument(options.asOf));
  if (options.settleMinutes !== undefined) args.push('--settle-minutes', settleMinutesArgument(options.settleMinutes));
  if (options.runId !== undefined) args.push('--run-id', parseRunId(options.runId));
  return args;
}

/**
 * The job's command-line arguments after the script path: the seed's positional
 * `<BRONZE_PATH> <ICEBERG_DB> <ICEBERG_TABLE> <ICEBERG_WAREHOUSE>`, then the scope (a window or
 * `--all`; nothing when incremental) and the run options.
 *
 * The local runner (spark-submit) and the EMR step builder both call this, so both targets
 * run identical argument lists.
 */
export function buildJobArguments(job: KpiJobName, locations: JobLocations, scope: KpiScope = INCREMENTAL, options: KpiRunOptions = {}): string[] {
  return [locations.bronzePath, locations.database, KPI_JOBS[job].tableArgument, locations.warehouse, ...runArguments(scope, options)];
}

/**
 * Arguments of `all_kpis.py` (ALL_KPIS_SCRIPT): the seed's four positionals with the comma-separated job
 * list where a single job has its ICEBERG_TABLE, then the scope and run options. Shared by
 * both targets like {@link buildJobArguments}.
 */
export function buildAllKpisArguments(
  jobs: readonly KpiJobName[], locations: JobLocations, scope: KpiScope = INCREMENTAL, options: KpiRunOptions = {},
): string[] {
  if (jobs.length === 0) throw new Error('No KPI job to run: pass at least one of sensor_health, temp_humidity, event_geo.');
  return [locations.bronzePath, locations.database, jobs.join(','), locations.warehouse, ...runArguments(scope, options)];
}
