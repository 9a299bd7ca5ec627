import { KPI_TABLES, LEDGER_TABLE_COLUMNS, PARTIAL_TABLES } from '../kpis/catalog';
import { daysFrom, utcDay } from '../kpis/day-window';
import { asOfArgument } from '../timing/as-of';

/** The table maintenance job, beside the KPI jobs under spark/ (and the scripts bucket's version prefix). */
export const MAINTENANCE_SCRIPT = 'maintain_tables.py';

/**
 * Every table the jobs keep: the KPI tables, their per-day partials, the valid events, the rejected
 * rows and the runs ledger. The job's own list (spark/clickstream_jobs/maintenance_plan.py) is
 * checked against this one by a test.
 */
export const MAINTAINED_TABLES: readonly string[] = [
  ...Object.keys(KPI_TABLES),
  ...Object.keys(PARTIAL_TABLES),
  ...Object.keys(LEDGER_TABLE_COLUMNS),
];

/** The job's defaults (its copies in maintenance_plan.py are checked against these by a test). */
export const MAINTENANCE_DEFAULTS = {
  retentionDays: 7,
  retainLast: 5,
  compactDays: 3,
  orphanDays: 3,
} as const;

/**
 * The compaction window (`--compact-days`) that reaches back from `now` to `fromDate`, so the
 * maintenance after a backfill compacts the partitions it rewrote however old they are (the job
 * compacts the days since `now` minus this many days). One day more covers a run that crosses
 * midnight; never fewer than the default.
 */
export function compactDaysReaching(fromDate: string, now: Date): number {
  // The days from fromDate to today, both included: the difference plus the day to spare.
  const days = daysFrom(fromDate, utcDay(now.getTime() / 1000)).length;
  return Math.max(MAINTENANCE_DEFAULTS.compactDays, days);
}

/** What a maintenance run does; every option has the job's default. */
export interface MaintenanceOptions {
  /** Expire snapshots older than this many days. @default 7 */
  readonly retentionDays?: number;
  /** Keep at least this many snapshots of each branch, whatever their age. @default 5 */
  readonly retainLast?: number;
  /** Compact the partitions of the last this many days (and unpartitioned tables whole). @default 3 */
  readonly compactDays?: number;
  /** Remove unreferenced files older than this many days of the wall clock (at least 1). @default 3 */
  readonly orphanDays?: number;
  /**
   * The pipeline's now: the retention is then measured on the runs' clock (see maintenance_plan.py),
   * so a simulation expires what is old in simulated time. @default the wall clock
   */
  readonly asOf?: Date;
  /** @default every table the jobs keep (MAINTAINED_TABLES) */
  readonly tables?: readonly string[];
}

const whole = (name: string, value: number | undefined, min: number, problems: string[]) => {
  if (value !== undefined && (!Number.isInteger(value) || value < min)) problems.push(`${name} must be a whole number >= ${min}, got ${value}`);
};

/** Every problem with the options, each naming the option and what to change. */
export function maintenanceProblems(options: MaintenanceOptions): string[] {
  const problems: string[] = [];
  whole('--retention-days', options.retentionDays, 1, problems);
  whole('--retain-last', options.retainLast, 1, problems);
  whole('--compact-days', options.compactDays, 1, problems);
  // Iceberg refuses younger orphans too: they may belong to a commit still in progress.
  whole('--orphan-days', options.orphanDays, 1, problems);
  if (options.asOf && Number.isNaN(options.asOf.getTime())) problems.push('--as-of is not a valid time');
  const unknown = (options.tables ?? []).filter((t) => !MAINTAINED_TABLES.includes(t));
  if (unknown.length > 0) problems.push(`--tables: unknown table(s) ${unknown.join(', ')}; the jobs keep ${MAINTAINED_TABLES.join(', ')}`);
  if (options.tables && options.tables.length === 0) problems.push('--tables: name at least one table, or leave it out for all of them');
  return problems;
}

/** Fails with every problem at once. */
export function validateMaintenanceOptions(options: MaintenanceOptions, earlier: readonly string[] = []): void {
  const problems = [...earlier, ...maintenanceProblems(options)];
  if (problems.length > 0) throw new Error(`Invalid maintenance option(s):\n- ${problems.join('\n- ')}`);
}

/**
 * The job's arguments after the script: `<ICEBERG_DB>` and every option, explicit. The local
 * runner and the EMR step both build them here.
 */
export function buildMaintenanceArguments(database: string, options: MaintenanceOptions = {}): string[] {
  validateMaintenanceOptions(options);
  const d = MAINTENANCE_DEFAULTS;
  return [
    database,
    '--retention-days', String(options.retentionDays ?? d.retentionDays),
    '--retain-last', String(options.retainLast ?? d.retainLast),
    '--compact-days', String(options.compactDays ?? d.compactDays),
    '--orphan-days', String(options.orphanDays ?? d.orphanDays),
    ...(options.asOf ? ['--as-of', asOfArgument(options.asOf)] : []),
    ...(options.tables ? ['--tables', options.tables.join(',')] : []),
  ];
}
