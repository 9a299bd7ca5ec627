import { BronzePass } from './bronze-pass';
import { TableQuery } from './table-query';
import { CheckResult } from './validation-report';
import { QueryEngine, QueryResult, TypedValue } from '../engines/query-engine';
import { CheckedTableName, REJECTED_EVENTS_TABLE } from '../kpis/catalog';

/** The query stages of a validation run (runner.ts): bronze once, then each table. */

type Row = Readonly<Record<string, TypedValue>>;

/** What the query stages of a suite share. */
export interface SuiteRun {
  readonly engine: QueryEngine;
  readonly signal?: AbortSignal;
  readonly record: (subject: string, result: QueryResult) => void;
  readonly log: (line: string) => void;
  /** Tables the schema query found missing: nothing of theirs is queried. */
  readonly missingTables: readonly CheckedTableName[];
}

const failedQuery = (table: string, e: unknown): CheckResult =>
  ({ table, check: 'query', severity: 'error', passed: false, observed: (e as Error).message, expected: 'the checks run' });

/**
 * Runs the bronze passes: each table's row of bronze-side columns, rejected_events' row, and a
 * failed `query` check for every table of a pass that failed.
 */
export async function runBronzePasses(passes: readonly BronzePass[], run: SuiteRun) {
  const tables = new Map<CheckedTableName, Row>();
  const checks: CheckResult[] = [];
  let rejected: Row | undefined;
  for (const planned of passes) {
    const pass = planned.without(run.missingTables);
    if (!pass) continue;
    try {
      const result = await run.engine.query(pass.sql, pass.params, { signal: run.signal });
      run.record('bronze', result);
      const read = pass.read(result.rows);
      for (const [table, row] of read.tables) tables.set(table, row);
      if (read.rejected) rejected = read.rejected;
      run.log(`validate: bronze read once for ${pass.tables.join(', ')} (${Math.round(result.durationMs)} ms)`);
    } catch (e) {
      if (run.signal?.aborted) throw e;
      for (const table of pass.tables) checks.push(failedQuery(table, e));
      if (pass.rejected) checks.push(failedQuery(REJECTED_EVENTS_TABLE, e));
    }
  }
  return { tables, rejected, checks };
}

/** Runs each table's statement and evaluates its checks with the table's row of the bronze pass. */
export async function runTableQueries(
  queries: readonly TableQuery[], fromBronze: ReadonlyMap<CheckedTableName, Row>, run: SuiteRun,
): Promise<CheckResult[]> {
  const checks: CheckResult[] = [];
  for (const query of queries) {
    if (run.missingTables.includes(query.table)) continue;
    // The bronze pass failed: its tables already have a failed `query` check.
    if (query.fromBronzePass && !fromBronze.has(query.table)) continue;
    try {
      const result = await run.engine.query(query.sql, query.params, { signal: run.signal });
      run.record(query.table, result);
      if (result.rows.length !== 1) throw new Error(`expected one row of aggregates, got ${result.rows.length}`);
      const tableChecks = query.evaluate({ ...result.rows[0], ...fromBronze.get(query.table) });
      checks.push(...tableChecks);
      const failed = tableChecks.filter((c) => !c.passed).length;
      run.log(`validate: ${query.table}: ${tableChecks.length - failed}/${tableChecks.length} checks passed (${Math.round(result.durationMs)} ms)`);
    } catch (e) {
      if (run.signal?.aborted) throw e;
      checks.push(failedQuery(query.table, e));
    }
  }
  return checks;
}
