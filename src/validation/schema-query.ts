import { CheckResult } from './validation-report';
import { QueryParameter, TypedValue } from '../engines/query-engine';
import { baseType } from '../engines/typed-values';
import { CHECKED_TABLES, CheckedTableName, ColumnType } from '../kpis/catalog';
import { identifier, joinSql, sql } from '../sql/statement';

/** The catalog's column types as information_schema spells them (Trino's names, which Athena v3 shares). */
export const SQL_TYPES: Readonly<Record<ColumnType, string>> = {
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
  readonly missingTables: readonly CheckedTableName[];
}

/** One information_schema query for the columns of every table checked. */
export function renderSchemaQuery(catalog: string, database: string, tables: readonly CheckedTableName[]): SchemaQuery {
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

function evaluateSchema(tables: readonly CheckedTableName[], rows: readonly Readonly<Record<string, TypedValue>>[]): SchemaOutcome {
  const results: CheckResult[] = [];
  const missingTables: CheckedTableName[] = [];
  for (const table of tables) {
    const expected = CHECKED_TABLES[table].columns.map((c) => ({ name: c.name, type: SQL_TYPES[c.type] }));
    const actual = new Map(rows.filter((r) => r.table_name === table).map((r) => [String(r.column_name), baseType(String(r.data_type))]));
    if (actual.size === 0) missingTables.push(table);
    const wrong = expected
      .filter((c) => actual.get(c.name) !== c.type)
      .map((c) => (actual.has(c.name) ? `${c.name} is ${actual.get(c.name)}` : `${c.name} is missing`));
    const extra = [...actual].filter(([name]) => !expected.some((c) => c.name === name)).map(([name, type]) => `${name} ${type}`);
    results.push({
      table,
      check: 'columns',
      severity: 'error',
      passed: actual.size > 0 && wrong.length === 0,
      observed: actual.size === 0 ? 'table not found' : wrong.length === 0 ? 'every column with its type' : wrong.join(', '),
      expected: expected.map((c) => `${c.name} ${c.type}`).join(', '),
    });
    // A new column breaks no reader, but the catalog and the jobs have drifted apart.
    if (actual.size > 0) {
      results.push({
        table,
        check: 'no-extra-columns',
        severity: 'warn',
        passed: extra.length === 0,
        observed: extra.length === 0 ? 'none' : extra.join(', '),
        expected: 'only the catalog\'s columns',
      });
    }
  }
  return { results, missingTables };
}
