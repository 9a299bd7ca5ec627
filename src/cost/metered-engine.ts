import type { QueryEngine, QueryOptions, QueryParameter, QueryResult } from '../engines/query-engine';

/** One query a run sent, with the bytes the engine says it read. */
export interface MeteredQuery {
  /** What it read: the first table after FROM (`analytics.sensor_health`), or `information_schema`. */
  readonly subject: string;
  readonly queryId: string;
  readonly durationMs: number;
  /** Athena's DataScannedInBytes, or Trino's physical input bytes. */
  readonly bytesScanned?: number;
}

/** The first table a statement reads, for naming it in the cost report. */
export function querySubject(sql: string): string {
  const from = /\bfrom\s+("?[\w$]+"?(?:\s*\.\s*"?[\w$]+"?)*)/i.exec(sql);
  // database.table: the catalog is the same for every query of a run.
  return from ? from[1].replace(/["\s]/g, '').split('.').slice(-2).join('.') : sql.trim().split(/\s+/).slice(0, 3).join(' ');
}

/**
 * Wraps a QueryEngine and records every query that succeeded, so a run can account for all it
 * scanned (checks, previews, chart data), not only the check suite. Failed queries are not
 * recorded: Athena does not charge them.
 */
export class MeteredEngine implements QueryEngine {
  readonly name: string;
  private readonly recorded: MeteredQuery[] = [];

  constructor(private readonly inner: QueryEngine) {
    this.name = inner.name;
  }

  get queries(): readonly MeteredQuery[] {
    return this.recorded;
  }

  async query(sql: string, params?: readonly QueryParameter[], options?: QueryOptions): Promise<QueryResult> {
    const result = await this.inner.query(sql, params, options);
    this.recorded.push({ subject: querySubject(sql), queryId: result.queryId, durationMs: result.durationMs, bytesScanned: result.bytesScanned });
    return result;
  }
}
