import { ValidationReport, failingChecks, reportFails } from './validation-report';
import { QueryEngine } from '../engines/query-engine';
import { KPI_VALIDATIONS_TABLE } from '../kpis/catalog';
import { joinSql, literal, qualifiedName, sql } from '../sql/statement';

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
