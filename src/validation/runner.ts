import { BronzeSource } from './bronze';
import { expectedRowSets, expectationsWindow, KpiExpectations } from './expectations';
import { CheckResult, QueryRecord, summarize, ValidationReport } from './report';
import { renderSchemaQuery, SchemaQuery } from './schema-query';
import { renderTableQuery, TableQuery } from './table-query';
import { GLUE_DATABASE, QUERY_CATALOG, RAW_TABLE } from '../config/names';
import { QueryEngine } from '../engines/query-engine';
import { KPI_TABLES, KpiTableName } from '../kpis/catalog';
import { ALL_DAYS, DayWindow, describeWindow } from '../kpis/day-window';

/** Doubles (averages, percentages) compared within this. */
export const DEFAULT_TOLERANCE = 1e-6;

export interface ValidationOptions {
  /**
   * Tables to check.
   * @default - all five KPI tables
   */
  readonly tables?: readonly KpiTableName[];
  /**
   * Days the daily tables are checked for (all-time tables are always checked whole).
   * @default - the expectations' days, else every day
   */
  readonly window?: DayWindow;
  /** Exact values to expect, e.g. from a replay manifest. @default - none */
  readonly expectations?: KpiExpectations;
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
  readonly tables: readonly KpiTableName[];
  readonly schema: SchemaQuery;
  readonly tableQueries: readonly TableQuery[];
}

/** Renders the suite's SQL once; the same text runs on Trino and on Athena. */
export function renderSuite(options: ValidationOptions = {}): RenderedSuite {
  const tables = options.tables && options.tables.length > 0 ? [...new Set(options.tables)] : (Object.keys(KPI_TABLES) as KpiTableName[]);
  const window = options.window ?? (options.expectations && expectationsWindow(options.expectations)) ?? ALL_DAYS;
  const source: BronzeSource = {
    catalog: options.catalog ?? QUERY_CATALOG,
    database: options.database ?? GLUE_DATABASE,
    rawTable: options.rawTable ?? RAW_TABLE,
  };
  const tolerance = options.tolerance ?? DEFAULT_TOLERANCE;
  if (!(tolerance >= 0) || !Number.isFinite(tolerance)) throw new Error(`tolerance must be a finite number >= 0, got ${tolerance}.`);
  return {
    window,
    source,
    tables,
    schema: renderSchemaQuery(source.catalog, source.database, tables),
    tableQueries: tables.map((table) => renderTableQuery(table, {
      source,
      window,
      tolerance,
      expectedLatestDay: options.expectations?.latestDay,
      expectations: expectedRowSets(options.expectations, table, window),
    })),
  };
}

/**
 * Runs the check suite on `engine` and reports every check. A table whose statement fails gets
 * a failed `query` check naming the engine's reason; the other tables are still checked.
 */
export async function runValidation(engine: QueryEngine, options: ValidationOptions = {}): Promise<ValidationReport> {
  const now = options.now ?? (() => new Date());
  const log = options.log ?? (() => undefined);
  const started = now();
  const suite = renderSuite(options);
  const queries: QueryRecord[] = [];
  const record = (subject: string, result: { queryId: string; durationMs: number; bytesScanned?: number }) =>
    queries.push({ subject, queryId: result.queryId, durationMs: result.durationMs, bytesScanned: result.bytesScanned });

  log(`validate: ${suite.tables.length} tables on ${engine.name}, ${describeWindow(suite.window)}`);
  const schemaResult = await engine.query(suite.schema.sql, suite.schema.params, { signal: options.signal });
  record('information_schema', schemaResult);
  const schema = suite.schema.evaluate(schemaResult.rows);
  const checks: CheckResult[] = [...schema.results];

  for (const query of suite.tableQueries) {
    if (schema.missingTables.includes(query.table)) continue;
    try {
      const result = await engine.query(query.sql, query.params, { signal: options.signal });
      record(query.table, result);
      if (result.rows.length !== 1) throw new Error(`expected one row of aggregates, got ${result.rows.length}`);
      const tableChecks = query.evaluate(result.rows[0]);
      checks.push(...tableChecks);
      const failed = tableChecks.filter((c) => !c.passed).length;
      log(`validate: ${query.table}: ${tableChecks.length - failed}/${tableChecks.length} checks passed (${Math.round(result.durationMs)} ms)`);
    } catch (e) {
      if (options.signal?.aborted) throw e;
      checks.push({ table: query.table, check: 'query', severity: 'error', passed: false, observed: (e as Error).message, expected: 'the checks run' });
    }
  }
  return {
    engine: engine.name,
    database: suite.source.database,
    window: { ...suite.window, description: describeWindow(suite.window) },
    tables: suite.tables,
    startedAt: started.toISOString(),
    durationMs: now().getTime() - started.getTime(),
    checks,
    queries,
    summary: summarize(checks),
  };
}

/** Parses a comma-separated table list (`all` or names), failing with the valid names. */
export function parseTableList(value: string | undefined): KpiTableName[] {
  const valid = Object.keys(KPI_TABLES) as KpiTableName[];
  if (!value || value.trim() === '' || value.trim() === 'all') return valid;
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(n in KPI_TABLES));
  if (unknown.length > 0) throw new Error(`Unknown KPI table(s): ${unknown.join(', ')}. Valid tables: ${valid.join(', ')} (or "all").`);
  return [...new Set(names)] as KpiTableName[];
}
