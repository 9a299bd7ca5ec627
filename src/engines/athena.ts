import {
  AthenaClient,
  AthenaClientConfig,
  ColumnInfo,
  GetQueryExecutionCommand,
  paginateGetQueryResults,
  QueryExecution,
  Row,
  StartQueryExecutionCommand,
  StartQueryExecutionCommandInput,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { checkAthenaDialect } from './athena-dialect';
import { abortReason, QueryEngine, QueryExecutionError, QueryFailure, QueryOptions, QueryParameter, QueryResult, ResultColumn, TypedValue } from './query-engine';
import { renderParameters } from './sql-literals';
import { assertUniqueNames, baseType, toTypedValue } from './typed-values';
import { requirePositive } from '../timing/backoff';
import { Clock, Sleep, sleep, systemClock } from '../timing/clock';
import { Poll, pollUntil } from '../timing/poll';

export interface AthenaEngineOptions {
  /** The Athena client; see {@link createAthenaClient} for one that rides out throttling. */
  readonly client: AthenaClient;
  /**
   * Workgroup the queries run in.
   * @default 'primary'
   */
  readonly workGroup?: string;
  /**
   * Where Athena writes result files (`s3://bucket/prefix/`).
   * @default - the workgroup's configured output location
   */
  readonly outputLocation?: string;
  /**
   * Database for unqualified table names.
   * @default - none: tables must be qualified in the SQL
   */
  readonly database?: string;
  /**
   * Data catalog for unqualified table names.
   * @default - Athena's default, `AwsDataCatalog`
   */
  readonly catalog?: string;
  /**
   * Longest wait for a query to finish; past it the query is stopped and the call fails.
   * @default 600_000 (10 minutes)
   */
  readonly timeoutMs?: number;
  /**
   * First pause between GetQueryExecution polls; doubles per poll up to {@link pollMaxDelayMs}.
   * @default 250
   */
  readonly pollInitialDelayMs?: number;
  /**
   * Longest pause between polls.
   * @default 5_000
   */
  readonly pollMaxDelayMs?: number;
  /**
   * Rows per GetQueryResults page (Athena's maximum is 1000).
   * @default 1000
   */
  readonly pageSize?: number;
  /** @default - real time */
  readonly clock?: Clock;
  /** @default - real timers */
  readonly sleep?: Sleep;
}

/** Options of {@link createAthenaClient}. */
export interface AthenaClientOptions {
  readonly region: string;
  /**
   * Attempts per API call, retries included.
   * @default 8
   */
  readonly maxAttempts?: number;
  /** Any other client setting (endpoint, credentials, ...). */
  readonly config?: AthenaClientConfig;
}

/**
 * An Athena client that retries throttled calls: Athena's per-account limits on
 * StartQueryExecution and GetQueryExecution are low, and `adaptive` mode also slows the client
 * down instead of only retrying.
 */
export function createAthenaClient(options: AthenaClientOptions): AthenaClient {
  return new AthenaClient({ ...options.config, region: options.region, maxAttempts: options.maxAttempts ?? 8, retryMode: 'adaptive' });
}

const MAX_PAGE_SIZE = 1000;
const LABEL = 'Athena';

/** Runs SQL on Amazon Athena (engine v3) and waits for its rows. */
export class AthenaEngine implements QueryEngine {
  readonly name = 'athena';
  private readonly client: AthenaClient;
  private readonly workGroup: string;
  private readonly outputLocation?: string;
  private readonly database?: string;
  private readonly catalog?: string;
  private readonly timeoutMs: number;
  private readonly pollInitialDelayMs: number;
  private readonly pollMaxDelayMs: number;
  private readonly pageSize: number;
  private readonly clock: Clock;
  private readonly sleep: Sleep;

  constructor(options: AthenaEngineOptions) {
    this.client = options.client;
    this.workGroup = options.workGroup ?? 'primary';
    if (!this.workGroup.trim()) throw new Error('Athena workGroup must not be empty; omit it to use "primary".');
    if (options.outputLocation !== undefined && !options.outputLocation.startsWith('s3://')) {
      throw new Error(`Athena outputLocation must be an s3:// URI, got "${options.outputLocation}".`);
    }
    this.outputLocation = options.outputLocation;
    this.database = options.database;
    this.catalog = options.catalog;
    this.timeoutMs = requirePositive('Athena timeoutMs', options.timeoutMs ?? 600_000);
    this.pollInitialDelayMs = requirePositive('Athena pollInitialDelayMs', options.pollInitialDelayMs ?? 250);
    this.pollMaxDelayMs = requirePositive('Athena pollMaxDelayMs', options.pollMaxDelayMs ?? 5_000);
    this.pageSize = requirePositive('Athena pageSize', options.pageSize ?? MAX_PAGE_SIZE);
    if (this.pageSize > MAX_PAGE_SIZE || !Number.isInteger(this.pageSize)) {
      throw new Error(`Athena pageSize must be a whole number up to ${MAX_PAGE_SIZE}, got ${this.pageSize}.`);
    }
    this.clock = options.clock ?? systemClock;
    this.sleep = options.sleep ?? sleep;
  }

  private startRequest(sql: string, params: readonly QueryParameter[] = []): StartQueryExecutionCommandInput {
    checkAthenaDialect(sql, params);
    const parameters = renderParameters(params);
    return {
      QueryString: sql,
      WorkGroup: this.workGroup,
      // Athena rejects an empty list, so no parameters means no field.
      ...(parameters.length > 0 && { ExecutionParameters: parameters }),
      ...(this.outputLocation && { ResultConfiguration: { OutputLocation: this.outputLocation } }),
      ...((this.database || this.catalog) && { QueryExecutionContext: { Database: this.database, Catalog: this.catalog } }),
    };
  }

  async query(sql: string, params: readonly QueryParameter[] = [], options: QueryOptions = {}): Promise<QueryResult> {
    const { signal } = options;
    const request = this.startRequest(sql, params);
    const started = this.clock();
    let queryId: string | undefined;
    try {
      ({ QueryExecutionId: queryId } = await this.client.send(new StartQueryExecutionCommand(request), { abortSignal: signal }));
    } catch (e) {
      throw new Error(`Athena StartQueryExecution failed in workgroup ${this.workGroup}: ${(e as Error).message}`, { cause: e });
    }
    if (!queryId) throw new Error('Athena StartQueryExecution returned no QueryExecutionId.');

    const execution = await this.waitForCompletion(queryId, started, signal);
    const { columns, rows } = await this.readResults(queryId, execution, signal);
    return {
      queryId,
      columns,
      rows,
      durationMs: this.clock() - started,
      bytesScanned: execution.Statistics?.DataScannedInBytes,
    };
  }

  /** Polls until a terminal state; stops the query when the deadline passes or the caller aborts. */
  private async waitForCompletion(queryId: string, started: number, signal?: AbortSignal): Promise<QueryExecution> {
    const outcome = await pollUntil(async (): Promise<Poll<QueryExecution, string | undefined>> => {
      const execution = await this.describe(queryId, signal);
      const status = execution?.Status;
      switch (status?.State) {
        case 'SUCCEEDED':
          return { done: true, value: execution! };
        case 'FAILED':
          throw new QueryExecutionError(LABEL, queryId, 'failed', failureReason(execution!));
        case 'CANCELLED':
          throw new QueryExecutionError(LABEL, queryId, 'cancelled', status.StateChangeReason ?? 'stopped outside this run (StopQueryExecution or the console)');
      }
      return { done: false, pending: status?.State };
    }, {
      timeoutMs: started + this.timeoutMs - this.clock(),
      backoff: { initialMs: this.pollInitialDelayMs, maxMs: this.pollMaxDelayMs },
      signal,
      clock: this.clock,
      sleep: this.sleep,
    });
    if (outcome.kind === 'done') return outcome.value;
    if (outcome.kind === 'aborted') throw await this.stop(queryId, 'aborted', abortReason(signal!));
    throw await this.stop(queryId, 'timed out', `still ${outcome.pending ?? 'in an unknown state'} after ${this.timeoutMs} ms; stopped it`);
  }

  private async describe(queryId: string, signal?: AbortSignal): Promise<QueryExecution | undefined> {
    try {
      const command = new GetQueryExecutionCommand({ QueryExecutionId: queryId });
      return (await this.client.send(command, { abortSignal: signal })).QueryExecution;
    } catch (e) {
      if (signal?.aborted) throw await this.stop(queryId, 'aborted', abortReason(signal));
      throw e;
    }
  }

  /** Stops the query and returns the error to throw; a failing stop is reported, not hidden. */
  private async stop(queryId: string, failure: QueryFailure, reason: string): Promise<QueryExecutionError> {
    try {
      await this.client.send(new StopQueryExecutionCommand({ QueryExecutionId: queryId }));
      return new QueryExecutionError(LABEL, queryId, failure, reason);
    } catch (e) {
      return new QueryExecutionError(LABEL, queryId, failure, `${reason}; StopQueryExecution also failed: ${(e as Error).message}`, { cause: e });
    }
  }

  private async readResults(queryId: string, execution: QueryExecution, signal?: AbortSignal) {
    let columns: ResultColumn[] | undefined;
    const rows: Record<string, TypedValue>[] = [];
    const pages = paginateGetQueryResults({ client: this.client, pageSize: this.pageSize }, { QueryExecutionId: queryId });
    for await (const page of pages) {
      if (signal?.aborted) throw new QueryExecutionError(LABEL, queryId, 'aborted', `${abortReason(signal)} while reading results`);
      let pageRows = page.ResultSet?.Rows ?? [];
      if (!columns) {
        const metadata = page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
        columns = toColumns(queryId, metadata);
        if (startsWithHeader(execution, metadata, pageRows)) pageRows = pageRows.slice(1);
      }
      for (const row of pageRows) rows.push(toRecord(columns, row));
    }
    return { columns: columns ?? [], rows };
  }
}

/**
 * SELECT results repeat the column labels as their first row; DDL and utility results (SHOW,
 * DESCRIBE) do not, and SubstatementType is not documented well enough to rely on alone.
 */
function startsWithHeader(execution: QueryExecution, metadata: readonly ColumnInfo[], rows: readonly Row[]): boolean {
  if (execution.StatementType !== 'DML' || rows.length === 0) return false;
  const first = rows[0].Data ?? [];
  return first.length === metadata.length && metadata.every((info, i) => first[i]?.VarCharValue === (info.Label ?? info.Name));
}

function toColumns(queryId: string, metadata: readonly ColumnInfo[]): ResultColumn[] {
  const columns = metadata.map((info) => ({ name: info.Name ?? info.Label ?? '', type: baseType(info.Type ?? 'varchar') }));
  assertUniqueNames(`Athena query ${queryId}`, columns);
  return columns;
}

function toRecord(columns: readonly ResultColumn[], row: Row): Record<string, TypedValue> {
  const data = row.Data ?? [];
  return Object.fromEntries(columns.map((column, i) => [column.name, toTypedValue(column.type, data[i]?.VarCharValue)]));
}

function failureReason(execution: QueryExecution): string {
  const status = execution.Status;
  const error = status?.AthenaError;
  const reason = status?.StateChangeReason ?? error?.ErrorMessage ?? 'no reason given';
  if (!error) return reason;
  const details = [
    error.ErrorCategory !== undefined && `category ${error.ErrorCategory}`,
    error.ErrorType !== undefined && `type ${error.ErrorType}`,
    error.Retryable !== undefined && (error.Retryable ? 'retryable' : 'not retryable'),
  ].filter(Boolean);
  return details.length > 0 ? `${reason} (AthenaError ${details.join(', ')})` : reason;
}
