import { randomBytes } from 'node:crypto';
import { z } from 'zod';

/** A run's id: when it started, and a random suffix so runs of one second differ. Letters, digits and _ only. */
export function newRunId(at: Date, random: () => string = () => randomBytes(3).toString('hex')): string {
  return `run_${at.toISOString().slice(0, 19).replace(/[-:]/g, '')}_${random()}`;
}

/**
 * The Iceberg branch a run writes every table to until it is published (write-audit-publish); the
 * Spark jobs name it the same way (spark/clickstream_jobs/audit.py).
 */
export function auditBranch(runId: string): string {
  return `audit_${parseRunId(runId)}`;
}

const RUN_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Checks a run id (the jobs' `--run-id`): 1 to 64 letters, digits, _ or -, so it can name an Iceberg branch. */
export function parseRunId(runId: string): string {
  if (!RUN_ID.test(runId)) throw new Error(`A run id is 1 to 64 letters, digits, _ or -, got "${runId}".`);
  return runId;
}

/** The run id of an audit branch, or undefined for another branch. */
export function runIdOfBranch(branch: string): string | undefined {
  return /^audit_([A-Za-z0-9_-]{1,64})$/.exec(branch)?.[1];
}

/**
 * What one KPI job did in one run: the row it appends to the runs ledger (`_kpi_runs`), as the
 * jobs also print it (`[kpis] run {...}` on stdout, spark/clickstream_jobs/runs.py), so a runner
 * reports it without querying the warehouse.
 */
export const kpiRunRecordSchema = z.object({
  runId: z.string(),
  job: z.string(),
  mode: z.enum(['incremental', 'window', 'all']),
  asOf: z.string(),
  window: z.object({ fromDate: z.string(), toDate: z.string() }).nullable(),
  /** Start of the last complete arrival hour the job has processed (its high-water mark). */
  highWaterMark: z.string().nullable(),
  /** Objects it processed under the hours after the mark, which may still receive objects. */
  openObjects: z.number().int(),
  /** The bronze the recomputed days reflect: every object under hours up to here (plus open ones). */
  readThrough: z.string().nullable(),
  /** The earliest arrival hour any run of the job read. */
  firstArrival: z.string().nullable(),
  recomputedDays: z.array(z.string()),
  bronzeObjects: z.number().int(),
  bronzeBytes: z.number().int(),
  rowsRead: z.number().int(),
  rowsRejected: z.number().int(),
  rowsValid: z.number().int(),
  duplicates: z.number().int(),
});

export type KpiRunRecord = z.infer<typeof kpiRunRecordSchema>;

/** The prefix of a job's record line, after the jobs' own `[kpis] ` prefix. */
export const RUN_RECORD_PREFIX = 'run ';

/** The record in a job's progress line, or undefined for any other line. */
export function parseRunRecordLine(line: string): KpiRunRecord | undefined {
  if (!line.startsWith(`${RUN_RECORD_PREFIX}{`)) return undefined;
  return kpiRunRecordSchema.parse(JSON.parse(line.slice(RUN_RECORD_PREFIX.length)));
}

/** What a run read and recomputed over all its jobs' records (per-job submits each read bronze). */
export interface KpiRunTotals {
  readonly recomputedDays: readonly string[];
  readonly bronzeObjects: number;
  readonly bronzeBytes: number;
  readonly rowsRead: number;
  readonly rowsRejected: number;
  readonly rowsValid: number;
  readonly duplicates: number;
}

/**
 * Totals over a run's applications, given each application's records: the jobs of one application
 * share its one read of bronze, so each application counts once.
 */
export function runTotals(applications: ReadonlyArray<readonly KpiRunRecord[]>): KpiRunTotals {
  const reads = applications.flatMap((records) => records.slice(0, 1));
  const sum = (pick: (r: KpiRunRecord) => number) => reads.reduce((n, r) => n + pick(r), 0);
  const records = applications.flat();
  return {
    recomputedDays: [...new Set(records.flatMap((r) => r.recomputedDays))].sort(),
    bronzeObjects: sum((r) => r.bronzeObjects),
    bronzeBytes: sum((r) => r.bronzeBytes),
    rowsRead: sum((r) => r.rowsRead),
    rowsRejected: sum((r) => r.rowsRejected),
    rowsValid: sum((r) => r.rowsValid),
    duplicates: sum((r) => r.duplicates),
  };
}
