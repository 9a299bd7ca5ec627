/**
 * A value bound to a positional `?` in the SQL text. Plain JS values map to SQL literals
 * (string -> varchar, number -> integer or double, bigint -> bigint, boolean, null); the tagged
 * forms carry types JS has no exact value for (see {@link sqlDate}, {@link sqlTimestamp},
 * {@link sqlDecimal}).
 */
export type QueryParameter =
  | string
  | number
  | bigint
  | boolean
  | null
  | { readonly type: 'date' | 'timestamp' | 'decimal'; readonly value: string };

/**
 * One value of a result row, typed from the column's SQL type:
 * - tinyint, smallint, integer, bigint -> number, or bigint when outside Number's safe range;
 * - real, double -> number (NaN and +/-Infinity included);
 * - decimal -> string, so no digit is lost (`'12.50'`); convert where a rounding is acceptable;
 * - boolean -> boolean;
 * - varchar, char, date (`'YYYY-MM-DD'`), timestamp (`'YYYY-MM-DD HH:MM:SS.fff'`), time -> string;
 * - SQL NULL -> null.
 *
 * Other types (array, map, row, json, varbinary, ...) come back as a string in the engine's own
 * rendering, which differs between Athena and Trino: cast them to a scalar in SQL when a result
 * must be comparable across engines.
 */
export type TypedValue = string | number | bigint | boolean | null;

/** A result column. */
export interface ResultColumn {
  readonly name: string;
  /**
   * The SQL type's base name, lowercase and without parameters (`varchar`, `decimal`,
   * `timestamp`), in Trino's vocabulary whichever engine answered.
   */
  readonly type: string;
}

export interface QueryResult {
  /** The engine's id for this execution (Athena's QueryExecutionId, Trino's query id). */
  readonly queryId: string;
  readonly columns: readonly ResultColumn[];
  /** One record per row, keyed by column name. */
  readonly rows: readonly Record<string, TypedValue>[];
  /** Wall time as seen by the caller, from submitting the query to having its last row. */
  readonly durationMs: number;
  /** Bytes the engine read from storage, when it reports them. */
  readonly bytesScanned?: number;
}

export interface QueryOptions {
  /** Aborting cancels the query on the engine and rejects with a {@link QueryExecutionError}. */
  readonly signal?: AbortSignal;
}

/**
 * Runs SQL in the Athena engine v3 / Trino dialect. The same SQL text and parameters give the
 * same rows on every implementation, which is what lets checks proven locally on Trino run
 * unchanged on Athena.
 */
export interface QueryEngine {
  /** A short name for messages and reports (`athena`, `trino`). */
  readonly name: string;
  /**
   * Runs one statement and returns all of its rows.
   * @param sql one statement, with `?` for each parameter
   * @param params the values of the `?` placeholders, in order of appearance
   */
  query(sql: string, params?: readonly QueryParameter[], options?: QueryOptions): Promise<QueryResult>;
}

/** How a query ended when it did not succeed. */
export type QueryFailure = 'failed' | 'cancelled' | 'timed out' | 'aborted';

/** A query that reached the engine and did not succeed; names the query id and the reason. */
export class QueryExecutionError extends Error {
  constructor(
    readonly engine: string,
    readonly queryId: string,
    readonly failure: QueryFailure,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`${engine} query ${queryId} ${failure}: ${reason}`, options);
    this.name = 'QueryExecutionError';
  }
}

/** The reason text for a query the caller aborted, including the signal's reason when it has one. */
export function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  const detail = reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : undefined;
  return detail ? `the caller aborted (${detail})` : 'the caller aborted';
}

/** A DATE parameter; `day` is `YYYY-MM-DD`. */
export function sqlDate(day: string): QueryParameter {
  return { type: 'date', value: day };
}

/** A TIMESTAMP parameter; `value` is `YYYY-MM-DD HH:MM:SS[.fraction]`, without a zone, as stored. */
export function sqlTimestamp(value: string): QueryParameter {
  return { type: 'timestamp', value };
}

/** An exact DECIMAL parameter, given as its digits (`'12.50'`). */
export function sqlDecimal(value: string): QueryParameter {
  return { type: 'decimal', value };
}
