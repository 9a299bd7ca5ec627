import { ArrivalScope } from './bronze';
import { QueryEngine, TypedValue } from '../engines/query-engine';
import { CHECKED_TABLES, KPI_JOBS, KPI_RUNS_TABLE, KpiJobName, REJECTED_EVENTS_TABLE, VALID_EVENTS_TABLE } from '../kpis/catalog';
import { auditBranch, runIdOfBranch } from '../kpis/run-ledger';
import { joinSql, literal, metadataTable, qualifiedName, sql, tableAtVersion } from '../sql/statement';

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

/** A run as the ledger holds it: what validation must agree with, and which table versions hold it. */
export interface RunScope {
  readonly runId: string;
  /** The audit branch holding the run's tables; undefined once the run is published (its tables are main). */
  readonly branch?: string;
  readonly jobs: Partial<Record<KpiJobName, JobScope>>;
  /**
   * The snapshot of each table the run's checks read (the branch head where the run wrote the table,
   * else main), as decimal text: snapshot ids are 64-bit. Tables that do not exist are absent.
   */
  readonly versions: Readonly<Record<string, string>>;
}

/** The job that writes a checked table (a KPI table or one of its partials). */
export function jobOfTable(table: string): KpiJobName {
  const job = (Object.keys(KPI_JOBS) as KpiJobName[]).find((name) =>
    (KPI_JOBS[name].tables as readonly string[]).includes(table) || (KPI_JOBS[name].partials as readonly string[]).includes(table));
  if (!job) throw new Error(`No KPI job writes ${table}.`);
  return job;
}

/** Every table a run writes and a check reads. */
export const RUN_TABLES: readonly string[] = [...Object.keys(CHECKED_TABLES), REJECTED_EVENTS_TABLE, VALID_EVENTS_TABLE, KPI_RUNS_TABLE];

const iso = (epochSeconds: number) => `${new Date(epochSeconds * 1000).toISOString().slice(0, 19)}Z`;
const text = (value: TypedValue | undefined) => (value === null || value === undefined ? undefined : String(value));

interface Ref {
  readonly name: string;
  readonly snapshot: string;
  readonly committed: number;
}

export interface LoadRunScopeOptions {
  /** The run to check. @default the latest unpublished run, else the latest published one */
  readonly runId?: string;
  readonly signal?: AbortSignal;
}

/**
 * The run validation checks, read from the runs ledger through the engine (the same SQL on Trino
 * and Athena; Iceberg's `$refs` and `$snapshots` metadata tables, and `FOR VERSION AS OF`). A run
 * is unpublished while its audit branch exists on the ledger; the latest unpublished run is the
 * newest audit branch committed after `main`'s head. Undefined when no run was recorded yet.
 */
export async function loadRunScope(
  engine: QueryEngine, catalog: string, database: string, options: LoadRunScopeOptions = {},
): Promise<RunScope | undefined> {
  const { signal } = options;
  const run = async (statement: ReturnType<typeof sql>) => (await engine.query(statement.text, statement.params, { signal })).rows;
  const existing = new Set((await run(sql`SELECT table_name FROM ${qualifiedName(catalog, 'information_schema', 'tables')}
WHERE table_schema = ${database} AND table_name IN (${joinSql(RUN_TABLES.map((t) => sql`${t}`), ', ')})`)).map((r) => String(r.table_name)));
  if (!existing.has(KPI_RUNS_TABLE)) {
    if (options.runId) throw new Error(`No KPI run is recorded in ${database} yet: there is no run ${options.runId} to check.`);
    return undefined;
  }
  const metadata = (table: string, kind: 'refs' | 'snapshots') => metadataTable(catalog, database, table, kind);
  const refs: Ref[] = (await run(sql`SELECT r.name, CAST(r.snapshot_id AS varchar) AS snapshot_id, CAST(to_unixtime(s.committed_at) AS double) AS committed
FROM ${metadata(KPI_RUNS_TABLE, 'refs')} r JOIN ${metadata(KPI_RUNS_TABLE, 'snapshots')} s ON s.snapshot_id = r.snapshot_id
WHERE r.type = 'BRANCH'`)).map((r) => ({ name: String(r.name), snapshot: String(r.snapshot_id), committed: Number(r.committed) }));
  const main = refs.find((r) => r.name === 'main');

  let runId = options.runId;
  let branch: Ref | undefined;
  if (runId) {
    branch = refs.find((r) => r.name === auditBranch(runId!));
  } else {
    const pending = refs
      .filter((r) => runIdOfBranch(r.name) !== undefined && (!main || r.committed > main.committed))
      .sort((a, b) => b.committed - a.committed);
    branch = pending[0];
    runId = branch ? runIdOfBranch(branch.name) : undefined;
  }
  const ledgerVersion = branch?.snapshot ?? main?.snapshot;
  if (!ledgerVersion) return undefined;
  const ledger = tableAtVersion(catalog, database, KPI_RUNS_TABLE, ledgerVersion);
  const which = runId ? sql`run_id = ${runId}` : sql`run_id = (SELECT max_by(run_id, finished_at) FROM ${ledger})`;
  const rows = await run(sql`SELECT run_id, job, mode,
    CAST(to_unixtime(read_through) AS bigint) AS read_through,
    CAST(to_unixtime(first_arrival) AS bigint) AS first_arrival,
    array_join(read_open, '|') AS read_open,
    array_join(transform(recomputed_days, d -> CAST(d AS varchar)), ',') AS recomputed_days
  FROM ${ledger}
  WHERE ${which}`);
  if (rows.length === 0) {
    if (options.runId) throw new Error(`The runs ledger ${database}.${KPI_RUNS_TABLE} has no run ${options.runId}, published or pending.`);
    return undefined;
  }
  runId = String(rows[0].run_id);
  const jobs: Partial<Record<KpiJobName, JobScope>> = {};
  for (const row of rows) {
    const job = String(row.job) as KpiJobName;
    if (!(job in KPI_JOBS)) continue;
    const through = text(row.read_through);
    const open = String(row.read_open ?? '').split('|').filter(Boolean);
    jobs[job] = {
      job,
      mode: String(row.mode),
      days: String(row.recomputed_days ?? '').split(',').filter(Boolean).sort(),
      arrivals: through === undefined && open.length === 0 ? undefined : { throughHour: iso(Number(through ?? 0)), openFiles: open },
      firstArrivalDay: text(row.first_arrival) === undefined ? undefined : iso(Number(row.first_arrival)).slice(0, 10),
    };
  }
  const name = branch ? branch.name : undefined;
  return { runId, branch: name, jobs, versions: await tableVersions(run, catalog, database, [...existing], name) };
}

/** Each table's snapshot to read: the branch head where the branch exists on it, else main's head. */
async function tableVersions(
  run: (statement: ReturnType<typeof sql>) => Promise<ReadonlyArray<Record<string, TypedValue>>>,
  catalog: string,
  database: string,
  tables: readonly string[],
  branch: string | undefined,
): Promise<Record<string, string>> {
  const names = branch ? ['main', branch] : ['main'];
  const rows = await run(joinSql(tables.map((table) => sql`SELECT ${literal(table)} AS table_name, name, CAST(snapshot_id AS varchar) AS snapshot_id
FROM ${metadataTable(catalog, database, table, 'refs')} WHERE name IN (${joinSql(names.map((n) => sql`${n}`), ', ')})`), '\nUNION ALL\n'));
  const versions: Record<string, string> = {};
  for (const table of tables) {
    const refs = rows.filter((r) => r.table_name === table);
    const chosen = refs.find((r) => r.name === branch) ?? refs.find((r) => r.name === 'main');
    if (chosen) versions[table] = String(chosen.snapshot_id);
  }
  return versions;
}
