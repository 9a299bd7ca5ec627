import { ColumnInfo, Row } from '@aws-sdk/client-athena';
import { QueryEngine, QueryParameter, QueryResult } from '../../src/engines/query-engine';

export interface RecordedQuery {
  readonly sql: string;
  readonly params: readonly QueryParameter[];
  readonly result: QueryResult;
}

/** Wraps an engine and keeps every statement it ran with its result. */
export function recordingEngine(engine: QueryEngine): QueryEngine & { readonly calls: RecordedQuery[] } {
  const calls: RecordedQuery[] = [];
  return {
    name: engine.name,
    calls,
    async query(sql, params = [], options) {
      const result = await engine.query(sql, params, options);
      calls.push({ sql, params, result });
      return result;
    },
  };
}

/** A result as Athena's GetQueryResults returns it: text values and a header row. */
export function asAthenaResultSet(result: QueryResult): { ColumnInfo: ColumnInfo[]; Rows: Row[] } {
  const header: Row = { Data: result.columns.map((c) => ({ VarCharValue: c.name })) };
  return {
    ColumnInfo: result.columns.map((c) => ({ Name: c.name, Label: c.name, Type: c.type })),
    Rows: [header, ...result.rows.map((row) => ({
      Data: result.columns.map((c) => (row[c.name] === null ? {} : { VarCharValue: String(row[c.name]) })),
    }))],
  };
}
