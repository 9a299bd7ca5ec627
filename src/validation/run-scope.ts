import { ArrivalScope } from './bronze';
import { qualifiedName, sql } from './sql';
import { QueryEngine } from '../engines/query-engine';
import { KPI_JOBS, KPI_RUNS_TABLE, KpiJobName } from '../kpis/catalog';

/** What one job of a run recomputed, and from which landed objects (its `_kpi_runs` row). */
export interface JobScope {
  readonly job: KpiJobName;
  readonly mode: string;
  /** The event days it recomputed, sorted. */
  readonly days: readonly string[];
  /** The objects its days reflect; `fromDay` is left to the check (the day before its first day). */
  readonly arrivals?: Omit<ArrivalScope, 'fromDay'>;
  /** The earliest arrival day any run of the job read: where a check of all history starts. */
  readonly firstArrivalDay?: string;
}

/** A run as the ledger holds it: what validation must agree with. */
export interface RunScope {
  readonly runId: string;
  readonly jobs: Partial<Record<KpiJobName, JobScope>>;
}

/** The job that writes a checked table (a KPI table or one of its partials). */
export function jobOfTable(table: string): KpiJobName {
  const job = (Object.keys(KPI_JOBS) as KpiJobName[]).find((name) =>
    (KPI_JOBS[name].tables as readonly string[]).includes(table) || (KPI_JOBS[name].partials as readonly string[]).includes(table));
  if (!job) throw new Error(`No KPI job writes ${table}.`);
  return job;
}

const iso = (epochSeconds: number) => `${new Date(epochSeconds * 1000).toISOString().slice(0, 19)}Z`;

/**
 * The latest run in the ledger (or `runId`), read through the engine so the same SQL runs on
 * Trino and Athena; undefined when no run was recorded yet. Arrays and timestamps are turned into
 * text and epoch seconds in SQL, which both engines return alike.
 */
export async function loadRunScope(engine: QueryEngine, catalog: string, database: string, options: { runId?: string; signal?: AbortSignal } = {}): Promise<RunScope | undefined> {
  const existence = sql`SELECT count(*) AS n FROM ${qualifiedName(catalog, 'information_schema', 'tables')} WHERE table_schema = ${database} AND table_name = ${KPI_RUNS_TABLE}`;
  const exists = await engine.query(existence.text, existence.params, { signal: options.signal });
  if (Number(exists.rows[0]?.n ?? 0) === 0) return undefined;
  const ledger = qualifiedName(catalog, database, KPI_RUNS_TABLE);
  const which = options.runId ? sql`run_id = ${options.runId}` : sql`run_id = (SELECT max_by(run_id, finished_at) FROM ${ledger})`;
  const query = sql`SELECT run_id, job, mode,
    CAST(to_unixtime(read_through) AS bigint) AS read_through,
    CAST(to_unixtime(first_arrival) AS bigint) AS first_arrival,
    array_join(read_open, '|') AS read_open,
    array_join(transform(recomputed_days, d -> CAST(d AS varchar)), ',') AS recomputed_days
  FROM ${ledger}
  WHERE ${which}`;
  const result = await engine.query(query.text, query.params, { signal: options.signal });
  if (result.rows.length === 0) {
    if (options.runId) throw new Error(`The runs ledger ${database}.${KPI_RUNS_TABLE} has no run ${options.runId}.`);
    return undefined;
  }
  const jobs: Partial<Record<KpiJobName, JobScope>> = {};
  for (const row of result.rows) {
    const job = String(row.job) as KpiJobName;
    if (!(job in KPI_JOBS)) continue;
    const through = row.read_through === null ? undefined : Number(row.read_through);
    const open = String(row.read_open ?? '').split('|').filter(Boolean);
    jobs[job] = {
      job,
      mode: String(row.mode),
      days: String(row.recomputed_days ?? '').split(',').filter(Boolean).sort(),
      arrivals: through === undefined && open.length === 0 ? undefined : { throughHour: iso(through ?? 0), openFiles: open },
      firstArrivalDay: row.first_arrival === null ? undefined : iso(Number(row.first_arrival)).slice(0, 10),
    };
  }
  return { runId: String(result.rows[0].run_id), jobs };
}
