import { ValidationReport, failingChecks, reportFails } from './report';
import { joinSql, literal, metadataTable, qualifiedName, sql } from './sql';
import { QueryEngine } from '../engines/query-engine';
import { KPI_VALIDATIONS_TABLE } from '../kpis/catalog';
import { auditBranch } from '../kpis/run-ledger';

/** How much of the failed checks' list the verdict keeps (the report has them all). */
const MAX_FAILED_TEXT = 4000;

/**
 * Records the verdict of a run's validation in `_kpi_validations` (on main, through the same
 * engine: an INSERT into an Iceberg table works on Trino and on Athena), where publishing the run
 * looks for a pass. `failOnWarn` counts failed warn-level checks as failures too.
 */
export async function recordVerdict(engine: QueryEngine, options: {
  readonly catalog: string;
  readonly database: string;
  readonly runId: string;
  readonly report: ValidationReport;
  readonly failOnWarn?: boolean;
  readonly signal?: AbortSignal;
}): Promise<boolean> {
  const failed = failingChecks(options.report, options.failOnWarn);
  const passed = !reportFails(options.report, options.failOnWarn);
  const list = failed.map((c) => `${c.table} ${c.check}`).join('; ').slice(0, MAX_FAILED_TEXT);
  // Athena takes `?` parameters only in WHERE clauses, so the VALUES row is checked literals.
  const { runId, report } = options;
  const row = [runId, new Date(report.startedAt).toISOString(), report.engine, passed, report.summary.checks, failed.length, list];
  const statement = sql`INSERT INTO ${qualifiedName(options.catalog, options.database, KPI_VALIDATIONS_TABLE)}
  (run_id, validated_at, engine, passed, checks, failed, failed_checks)
VALUES (${joinSql(row.map(literal), ', ')})`;
  await engine.query(statement.text, statement.params, { signal: options.signal });
  return passed;
}

/** What the warehouse says of a run's publication: its latest verdict, and whether its branch is gone from every table. */
export interface PublicationState {
  readonly verdict?: { readonly passed: boolean; readonly failedChecks: string; readonly engine: string };
  /** Tables still holding the run's audit branch. */
  readonly pendingTables: readonly string[];
  /** The main snapshot of every table of `tables` that exists. */
  readonly mainSnapshots: Readonly<Record<string, string>>;
}

/** Reads a run's verdict and its branch's state through the engine (the same SQL on Trino and Athena). */
export async function publicationState(engine: QueryEngine, options: {
  readonly catalog: string;
  readonly database: string;
  readonly runId: string;
  readonly tables: readonly string[];
  readonly signal?: AbortSignal;
}): Promise<PublicationState> {
  const { catalog, database, runId, signal } = options;
  const verdicts = sql`SELECT passed, failed_checks, engine FROM ${qualifiedName(catalog, database, KPI_VALIDATIONS_TABLE)}
WHERE run_id = ${runId} ORDER BY validated_at DESC LIMIT 1`;
  const latest = (await engine.query(verdicts.text, verdicts.params, { signal })).rows[0];
  const branch = auditBranch(runId);
  const listed = sql`SELECT table_name FROM ${qualifiedName(catalog, 'information_schema', 'tables')}
WHERE table_schema = ${database} AND table_name IN (${joinSql(options.tables.map((t) => sql`${t}`), ', ')})`;
  const tables = (await engine.query(listed.text, listed.params, { signal })).rows.map((r) => String(r.table_name));
  const refs = joinSql(tables.map((table) => sql`SELECT ${literal(table)} AS table_name, name, CAST(snapshot_id AS varchar) AS snapshot_id
FROM ${metadataTable(catalog, database, table, 'refs')} WHERE name IN ('main', ${branch})`), '\nUNION ALL\n');
  const rows = tables.length > 0 ? (await engine.query(refs.text, refs.params, { signal })).rows : [];
  return {
    verdict: latest ? { passed: latest.passed === true, failedChecks: String(latest.failed_checks ?? ''), engine: String(latest.engine) } : undefined,
    pendingTables: [...new Set(rows.filter((r) => r.name === branch).map((r) => String(r.table_name)))],
    mainSnapshots: Object.fromEntries(rows.filter((r) => r.name === 'main').map((r) => [String(r.table_name), String(r.snapshot_id)])),
  };
}
