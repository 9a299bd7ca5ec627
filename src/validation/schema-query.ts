import { CheckResult } from './report';
import { identifier, joinSql, sql } from './sql';
import { QueryParameter, TypedValue } from '../engines/query-engine';
import { baseType } from '../engines/typed-values';
import { ColumnType, KPI_TABLES, KpiTableName } from '../kpis/catalog';

/** The catalog's column types as information_schema spells them (Trino's names, which Athena v3 shares). */
const SQL_TYPES: Readonly<Record<ColumnType, string>> = {
  int: 'integer',
  bigint: 'bigint',
  double: 'double',
  string: 'varchar',
  date: 'date',
};

export interface SchemaQuery {
  readonly sql: string;
  readonly params: readonly QueryParameter[];
  evaluate(rows: readonly Readonly<Record<string, TypedValue>>[]): SchemaOutcome;
}

export interface SchemaOutcome {
  readonly results: readonly CheckResult[];
  /** Tables that do not exist: their data checks cannot run. */
  readonly missingTables: readonly KpiTableName[];
}

/** One information_schema query for the columns of every table checked. */
export function renderSchemaQuery(catalog: string, database: string, tables: readonly KpiTableName[]): SchemaQuery {
  const names = joinSql(tables.map((t) => sql`${t}`), ', ');
  const query = sql`SELECT table_name, column_name, data_type
FROM ${identifier(catalog)}.information_schema.columns
WHERE table_schema = ${database} AND table_name IN (${names})`;
  return {
    sql: query.text,
    params: query.params,
    evaluate: (rows) => evaluateSchema(tables, rows),
  };
}

function evaluateSchema(tables: readonly KpiTableName[], rows: readonly Readonly<Record<string, TypedValue>>[]): SchemaOutcome {
  const results: CheckResult[] = [];
  const missingTables: KpiTableName[] = [];
  for (const table of tables) {
    const expected = KPI_TABLES[table].columns.map((c) => `${c.name} ${SQL_TYPES[c.type]}`);
    const actual = rows.filter((r) => r.table_name === table).map((r) => `${String(r.column_name)} ${baseType(String(r.data_type))}`);
    if (actual.length === 0) missingTables.push(table);
    const absent = expected.filter((c) => !actual.includes(c));
    const extra = actual.filter((c) => !expected.includes(c));
    const observed = actual.length === 0
      ? 'table not found'
      : absent.length === 0 && extra.length === 0
        ? `${actual.length} columns as expected`
        : [absent.length > 0 && `missing or retyped: ${absent.join(', ')}`, extra.length > 0 && `unexpected: ${extra.join(', ')}`].filter(Boolean).join('; ');
    results.push({
      table,
      check: 'columns',
      severity: 'error',
      passed: actual.length > 0 && absent.length === 0,
      observed,
      expected: expected.join(', '),
    });
  }
  return { results, missingTables };
}
