import { BronzeSource } from './bronze';
import { BronzePass, BronzePassTable, renderBronzePass } from './bronze-pass';
import { expectedRowSets, expectationsWindow, KpiExpectations } from './expectations';
import { evaluateRejected } from './rejected-query';
import { jobOfTable, RunScope } from './run-scope';
import { renderSchemaQuery, SchemaQuery } from './schema-query';
import { runBronzePasses, runTableQueries, SuiteRun } from './suite-queries';
import { renderTableQuery, TableQuery } from './table-query';
import { checksEmptyDays } from './table-verdicts';
import { CheckResult, QueryRecord, summarize, ValidationReport } from './validation-report';
import { recordVerdict } from './verdict';
import { GLUE_DATABASE, QUERY_CATALOG, RAW_TABLE } from '../config/names';
import { QueryEngine, QueryResult } from '../engines/query-engine';
import { CHECKED_TABLES, CheckedTableName, DailyTableName, KPI_JOBS, KpiJobName } from '../kpis/catalog';
import { ALL_DAYS, DayWindow, addDays, describeWindow } from '../kpis/day-window';
import { joinSql, qualifiedName, sql } from '../sql/statement';
import { systemClock } from '../timing/clock';

/** Doubles (averages, percentages) compared within this. */
export const DEFAULT_TOLERANCE = 1e-6;

export interface ValidationOptions {
  /**
   * Tables to check: KPI tables and per-day partials.
   * @default - all five KPI tables and their partials
   */
  readonly tables?: readonly CheckedTableName[];
  /**
   * Days the daily tables are checked for (all-time tables are always checked whole).
   * @default - the expectations' days, else every day
   */
  readonly window?: DayWindow;
  /** Exact values to expect, e.g. from a replay manifest. @default - none */
  readonly expectations?: KpiExpectations;
  /**
   * The run whose tables are checked (from the runs ledger, see loadRunScope): each table is checked
   * on the days its job recomputed, against the landed objects that run read. Ignored for tables
   * when `window` is given. @default - every landed object
   */
  readonly run?: RunScope;
  /** Also reconcile the all-time tables with all of bronze in scope (they are always reconciled with their partials). @default false */
  readonly full?: boolean;
  /**
   * Record the verdict of an unpublished run in `_kpi_validations`, where publishing it looks for a
   * pass; `failOnWarn` counts failed warnings too. @default true when `run` has a branch
   */
  readonly recordVerdict?: boolean;
  /** @default false */
  readonly failOnWarn?: boolean;
  /** @default 'awsdatacatalog' */
  readonly catalog?: string;
  /** The Glue database of the KPI tables and the raw table. @default 'analytics' */
  readonly database?: string;
  /** @default 'clickstream_raw' */
  readonly rawTable?: string;
  /** @default 1e-6 */
  readonly tolerance?: number;
  /** @default - real time */
  readonly now?: () => Date;
  /** Progress lines. @default - silent */
  readonly log?: (line: string) => void;
  readonly signal?: AbortSignal;
}

/** The statements of a suite: one for the columns of every table, then one per table. */
export interface RenderedSuite {
  readonly window: DayWindow;
  readonly source: BronzeSource;
  readonly tables: readonly CheckedTableName[];
  readonly schema: SchemaQuery;
  readonly tableQueries: readonly TableQuery[];
  /** Daily tables of a run that recomputed none of their days: nothing of theirs to check. */
  readonly untouched: readonly CheckedTableName[];
  /**
   * The bronze side of the daily tables' checks: one statement per distinct bronze source (one in
   * practice), which also accounts for the run's landed rows (valid or in rejected_events) when a
   * run is checked.
   */
  readonly bronzePasses: readonly BronzePass[];
}

/** The KPI tables of the jobs, each followed by its job's partials. */
export function checkedTablesOf(jobs: readonly KpiJobName[] = Object.keys(KPI_JOBS) as KpiJobName[]): CheckedTableName[] {
  return jobs.flatMap((job) => [...KPI_JOBS[job].tables, ...KPI_JOBS[job].partials]);
}

const dayBefore = (day: string) => addDays(day, -1);

/** Renders the suite's SQL once; the same text runs on Trino and on Athena. */
export function renderSuite(options: ValidationOptions = {}): RenderedSuite {
  const tables = options.tables && options.tables.length > 0 ? [...new Set(options.tables)] : checkedTablesOf();
  const base: BronzeSource = {
    catalog: options.catalog ?? QUERY_CATALOG,
    database: options.database ?? GLUE_DATABASE,
    rawTable: options.rawTable ?? RAW_TABLE,
    versions: options.run?.versions,
  };
  const given = options.window ?? (options.expectations && expectationsWindow(options.expectations));
  const tolerance = options.tolerance ?? DEFAULT_TOLERANCE;
  if (!(tolerance >= 0) || !Number.isFinite(tolerance)) throw new Error(`tolerance must be a finite number >= 0, got ${tolerance}.`);
  const untouched: CheckedTableName[] = [];
  const spans: DayWindow[] = [];
  const passTables = new Map<string, { source: BronzeSource; tables: BronzePassTable[]; rejected: boolean }>();
  const now = (options.now ?? (() => new Date(systemClock())))();
  const tableQueries = tables.flatMap((table) => {
    const scope = options.run?.jobs[jobOfTable(table)];
    const allTime = CHECKED_TABLES[table].allTime;
    let window = given ?? ALL_DAYS;
    let source = base;
    if (scope && !given) {
      if (scope.days.length === 0 && !allTime) {
        untouched.push(table);
        return [];
      }
      window = scope.days.length > 0 ? { fromDate: scope.days[0], toDate: scope.days[scope.days.length - 1] } : ALL_DAYS;
    }
    if (scope?.arrivals) {
      const firstDay = scope.firstArrivalDay ?? scope.arrivals.throughHour.slice(0, 10);
      const fromDay = allTime || window === ALL_DAYS || dayBefore(window.fromDate) < firstDay ? firstDay : dayBefore(window.fromDate);
      source = { ...base, arrivals: { ...scope.arrivals, fromDay } };
    } else if (window !== ALL_DAYS) {
      // No run recorded: every object that arrived from the day before the window up to now.
      source = { ...base, arrivals: { fromDay: dayBefore(window.fromDate), throughHour: `${now.toISOString().slice(0, 13)}:00:00Z`, openFiles: [] } };
    } else if (!allTime || options.full) {
      throw new Error('Nothing says which days to check: no KPI run is recorded in the runs ledger yet. Run `clickstream kpis` first, or give --from-date/--to-date.');
    }
    if (!allTime) {
      spans.push(window);
      const key = JSON.stringify(source);
      const rejected = [...passTables.values()].some((p) => p.rejected);
      const pass = passTables.get(key) ?? { source, tables: [], rejected: false };
      pass.tables.push({ table: table as DailyTableName, window, emptyDays: checksEmptyDays(table, window) });
      // The run's landed rows are accounted for once, with the first table that reads its arrivals.
      if (!rejected && scope?.arrivals && source.arrivals) pass.rejected = true;
      passTables.set(key, pass);
    }
    return [renderTableQuery(table, {
      source,
      window,
      tolerance,
      full: options.full,
      expectedLatestDay: options.expectations?.latestDay,
      expectations: expectedRowSets(options.expectations, table, window),
    })];
  });
  const window = given ?? (spans.length > 0
    ? { fromDate: spans.map((w) => w.fromDate).sort()[0], toDate: spans.map((w) => w.toDate).sort().pop()! }
    : ALL_DAYS);
  const bronzePasses = [...passTables.values()].map((p) => renderBronzePass({ ...p, tolerance }));
  return { window, source: base, tables, schema: renderSchemaQuery(base.catalog, base.database, tables), tableQueries, untouched, bronzePasses };
}

/**
 * Runs the check suite on `engine` and reports every check. A table whose statement fails gets
 * a failed `query` check naming the engine's reason; the other tables are still checked.
 */
export async function runValidation(engine: QueryEngine, options: ValidationOptions = {}): Promise<ValidationReport> {
  const now = options.now ?? (() => new Date(systemClock()));
  const log = options.log ?? (() => undefined);
  const started = now();
  const queries: QueryRecord[] = [];
  const record = (subject: string, result: { queryId: string; durationMs: number; bytesScanned?: number }) =>
    queries.push({ subject, queryId: result.queryId, durationMs: result.durationMs, bytesScanned: result.bytesScanned });
  const window = options.window ?? (options.run || (options.expectations && expectationsWindow(options.expectations))
    ? undefined
    : await daysHeld(engine, options, record));
  const suite = renderSuite({ ...options, window });

  log(`validate: ${suite.tables.length} tables on ${engine.name}, ${describeWindow(suite.window)}`);
  const schemaResult = await engine.query(suite.schema.sql, suite.schema.params, { signal: options.signal });
  record('information_schema', schemaResult);
  const schema = suite.schema.evaluate(schemaResult.rows);
  const checks: CheckResult[] = [...schema.results];
  if (options.expectations?.environmentHeldEvents && (options.expectations.days || options.expectations.tables)) {
    checks.push({
      table: 'event_geo_kpis_events',
      check: 'expected-values',
      severity: 'warn',
      passed: true,
      observed: 'not compared: the environment\'s bronze held landed events before this replay, and the tables count them too (the checks against bronze ran)',
      expected: 'the replay manifest\'s exact values, in an environment whose bronze held nothing before it',
    });
  }
  for (const table of suite.untouched) {
    checks.push({ table, check: 'recomputed-days', severity: 'warn', passed: true, observed: `run ${options.run?.runId} recomputed no day: nothing new to check`, expected: 'the days the run recomputed' });
  }

  const context: SuiteRun = { engine, signal: options.signal, record, log, missingTables: schema.missingTables };
  // Bronze first, once: every daily table's reconciliation reads its row of the pass.
  const bronze = await runBronzePasses(suite.bronzePasses, context);
  checks.push(...bronze.checks);
  checks.push(...await runTableQueries(suite.tableQueries, bronze.tables, context));
  if (bronze.rejected) checks.push(evaluateRejected(bronze.rejected));
  const report: ValidationReport = {
    engine: engine.name,
    database: suite.source.database,
    window: { ...suite.window, description: describeWindow(suite.window) },
    tables: suite.tables,
    startedAt: started.toISOString(),
    durationMs: now().getTime() - started.getTime(),
    checks,
    queries,
    summary: summarize(checks),
    run: options.run ? { runId: options.run.runId, branch: options.run.branch } : undefined,
  };
  if (options.run?.branch && options.recordVerdict !== false) {
    const passed = await recordVerdict(engine, {
      catalog: suite.source.catalog,
      database: suite.source.database,
      runId: options.run.runId,
      report,
      failOnWarn: options.failOnWarn,
      signal: options.signal,
    });
    log(`validate: verdict for run ${options.run.runId}: ${passed ? 'passed, publishable' : 'FAILED, the run cannot be published'}`);
  }
  return report;
}

/** Parses a comma-separated table list (`all` or names), failing with the valid names. */
export function parseTableList(value: string | undefined): CheckedTableName[] {
  const valid = checkedTablesOf();
  if (!value || value.trim() === '' || value.trim() === 'all') return valid;
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(n in CHECKED_TABLES));
  if (unknown.length > 0) throw new Error(`Unknown KPI table(s): ${unknown.join(', ')}. Valid tables: ${valid.join(', ')} (or "all").`);
  return [...new Set(names)] as CheckedTableName[];
}

/**
 * With no run recorded and no window given, every day the daily tables hold: bronze is read by
 * arrival day (partition projection), so the checks need days to bound what they read.
 */
async function daysHeld(
  engine: QueryEngine, options: ValidationOptions, record: (subject: string, result: QueryResult) => void,
): Promise<DayWindow | undefined> {
  const daily = (options.tables && options.tables.length > 0 ? options.tables : checkedTablesOf()).filter((t) => !CHECKED_TABLES[t].allTime);
  if (daily.length === 0) return undefined;
  const catalog = options.catalog ?? QUERY_CATALOG;
  const database = options.database ?? GLUE_DATABASE;
  const existing = sql`SELECT table_name FROM ${qualifiedName(catalog, 'information_schema', 'tables')}
WHERE table_schema = ${database} AND table_name IN (${joinSql(daily.map((t) => sql`${t}`), ', ')})`;
  const tables = (await engine.query(existing.text, existing.params, { signal: options.signal })).rows.map((r) => String(r.table_name));
  if (tables.length === 0) return undefined;
  const range = sql`SELECT CAST(min(day) AS varchar) AS first_day, CAST(max(day) AS varchar) AS last_day
FROM (${joinSql(tables.map((t) => sql`SELECT day FROM ${qualifiedName(catalog, database, t)}`), ' UNION ALL ')})`;
  const result = await engine.query(range.text, range.params, { signal: options.signal });
  record('days held', result);
  const first = result.rows[0]?.first_day;
  const last = result.rows[0]?.last_day;
  return first && last ? { fromDate: String(first), toDate: String(last) } : undefined;
}
