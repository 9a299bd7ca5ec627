import { z } from 'zod';
import { checkAthenaDialect } from './athena-dialect';
import { abortReason, QueryEngine, QueryExecutionError, QueryFailure, QueryOptions, QueryParameter, QueryResult, ResultColumn, TypedValue } from './query-engine';
import { renderParameters } from './sql-literals';
import { assertUniqueNames, baseType, parseJsonKeepingIntegers, toTypedValue } from './typed-values';
import { GLUE_DATABASE, QUERY_CATALOG } from '../config/names';
import { quote } from '../sql/quote';
import { backoffDelays, requirePositive } from '../timing/backoff';
import { Clock, Sleep, sleep, systemClock } from '../timing/clock';

export interface TrinoEngineOptions {
  /** The coordinator's base URL, e.g. `http://127.0.0.1:8080`. */
  readonly endpoint: string;
  /**
   * Catalog for unqualified table names; the local stack names its Iceberg catalog like Athena's.
   * @default 'awsdatacatalog'
   */
  readonly catalog?: string;
  /**
   * Schema for unqualified table names.
   * @default GLUE_DATABASE (the local target's database)
   */
  readonly schema?: string;
  /**
   * User the queries run as.
   * @default 'clickstream'
   */
  readonly user?: string;
  /**
   * Session time zone; Athena's is UTC, so date arithmetic matches only with UTC here.
   * @default 'UTC'
   */
  readonly timeZone?: string;
  /**
   * Longest wait for a query to finish; past it the query is cancelled and the call fails.
   * @default 600_000 (10 minutes)
   */
  readonly timeoutMs?: number;
  /**
   * First pause before retrying a request the server answered with 429, 502, 503 or 504
   * (it is busy or starting); doubles per retry up to 2 s.
   * @default 100
   */
  readonly retryInitialDelayMs?: number;
  /** @default - the global fetch */
  readonly fetch?: typeof fetch;
  /** @default - real time */
  readonly clock?: Clock;
  /** @default - real timers */
  readonly sleep?: Sleep;
}

/**
 * The statement the Trino engine submits. Trino's REST protocol has no parameter binding for a
 * plain statement, so parameterised SQL goes through `EXECUTE IMMEDIATE ... USING` with the very
 * literals Athena receives as ExecutionParameters: the server parses the SQL and binds the
 * values, nothing is spliced into the text. (Error positions on the first line then count from
 * the start of the EXECUTE IMMEDIATE statement.)
 */
export function trinoStatement(sql: string, parameters: readonly string[]): string {
  return parameters.length === 0 ? sql : `EXECUTE IMMEDIATE ${quote(sql)} USING ${parameters.join(', ')}`;
}

const LABEL = 'Trino';
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

const responseSchema = z.object({
  id: z.string(),
  nextUri: z.string().optional(),
  columns: z.array(z.object({ name: z.string(), type: z.string() })).optional(),
  data: z.array(z.array(z.unknown())).optional(),
  stats: z.object({ state: z.string().optional(), physicalInputBytes: z.number().optional() }).optional(),
  error: z.object({ message: z.string(), errorName: z.string().optional() }).optional(),
});
type StatementResponse = z.infer<typeof responseSchema>;

/** Runs SQL on a Trino coordinator through its REST protocol (`/v1/statement`). */
export class TrinoEngine implements QueryEngine {
  readonly name = 'trino';
  private readonly endpoint: string;
  private readonly headers: Readonly<Record<string, string>>;
  private readonly timeoutMs: number;
  private readonly retryInitialDelayMs: number;
  private readonly fetch: typeof fetch;
  private readonly clock: Clock;
  private readonly sleep: Sleep;

  constructor(options: TrinoEngineOptions) {
    let url: URL;
    try {
      url = new URL(options.endpoint);
    } catch {
      throw new Error(`Trino endpoint must be a URL such as http://127.0.0.1:8080, got "${options.endpoint}".`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`Trino endpoint must be http(s), got "${options.endpoint}".`);
    this.endpoint = url.href.replace(/\/+$/, '');
    const session = {
      user: options.user ?? 'clickstream',
      catalog: options.catalog ?? QUERY_CATALOG,
      schema: options.schema ?? GLUE_DATABASE,
      timeZone: options.timeZone ?? 'UTC',
    };
    for (const [name, value] of Object.entries(session)) {
      if (!value.trim()) throw new Error(`Trino ${name} must not be empty; omit it for the default.`);
    }
    this.headers = {
      'X-Trino-User': session.user,
      'X-Trino-Source': 'clickstream',
      'X-Trino-Catalog': session.catalog,
      'X-Trino-Schema': session.schema,
      'X-Trino-Time-Zone': session.timeZone,
    };
    this.timeoutMs = requirePositive('Trino timeoutMs', options.timeoutMs ?? 600_000);
    this.retryInitialDelayMs = requirePositive('Trino retryInitialDelayMs', options.retryInitialDelayMs ?? 100);
    this.fetch = options.fetch ?? globalThis.fetch;
    this.clock = options.clock ?? systemClock;
    this.sleep = options.sleep ?? sleep;
  }

  async query(sql: string, params: readonly QueryParameter[] = [], options: QueryOptions = {}): Promise<QueryResult> {
    const { signal } = options;
    // Trino stands in for Athena: it refuses here what Athena would refuse there.
    checkAthenaDialect(sql, params);
    const statement = trinoStatement(sql, renderParameters(params));
    const started = this.clock();
    const deadline = started + this.timeoutMs;

    let response = await this.submit(statement, deadline, signal);
    const queryId = response.id;
    let columns: ResultColumn[] | undefined;
    const rows: Record<string, TypedValue>[] = [];
    for (;;) {
      if (response.error) {
        const failure = response.error.errorName === 'USER_CANCELED' ? 'cancelled' : 'failed';
        throw new QueryExecutionError(LABEL, queryId, failure, errorReason(response.error));
      }
      if (response.columns && !columns) columns = toColumns(queryId, response.columns);
      if (response.data) {
        if (!columns) throw new Error(`Trino query ${queryId} sent rows before their columns; is ${this.endpoint} a Trino coordinator?`);
        for (const values of response.data) rows.push(toRecord(columns, values));
      }
      if (!response.nextUri) break;
      response = await this.advance(queryId, response, deadline, signal);
    }
    return {
      queryId,
      columns: columns ?? [],
      rows,
      durationMs: this.clock() - started,
      bytesScanned: response.stats?.physicalInputBytes,
    };
  }

  private async submit(statement: string, deadline: number, signal?: AbortSignal): Promise<StatementResponse> {
    const url = `${this.endpoint}/v1/statement`;
    try {
      return await this.request('POST', url, deadline, signal, statement);
    } catch (e) {
      if (signal?.aborted) throw new Error(`Trino query ${abortReason(signal)} before the server assigned it an id.`, { cause: e });
      throw e;
    }
  }

  /** Fetches the next batch; on timeout or abort, cancels the query before failing. */
  private async advance(queryId: string, current: StatementResponse, deadline: number, signal?: AbortSignal): Promise<StatementResponse> {
    const nextUri = current.nextUri!;
    const timedOut = () => this.cancel(queryId, nextUri, 'timed out', `still ${current.stats?.state ?? 'running'} after ${this.timeoutMs} ms; cancelled it`);
    if (this.clock() >= deadline) throw await timedOut();
    try {
      return await this.request('GET', nextUri, deadline, signal);
    } catch (e) {
      if (signal?.aborted) throw await this.cancel(queryId, nextUri, 'aborted', abortReason(signal));
      if (this.clock() >= deadline) throw await timedOut();
      throw e;
    }
  }

  /** Cancels the query (DELETE on its next URI) and returns the error to throw. */
  private async cancel(queryId: string, nextUri: string, failure: QueryFailure, reason: string): Promise<QueryExecutionError> {
    try {
      const response = await this.fetch(nextUri, { method: 'DELETE', headers: this.headers });
      if (!response.ok && response.status !== 404) throw new Error(`HTTP ${response.status}`);
      return new QueryExecutionError(LABEL, queryId, failure, reason);
    } catch (e) {
      return new QueryExecutionError(LABEL, queryId, failure, `${reason}; cancelling it also failed: ${(e as Error).message}`, { cause: e });
    }
  }

  /** One protocol request, retried while the server answers that it is busy. */
  private async request(method: 'GET' | 'POST', url: string, deadline: number, signal?: AbortSignal, body?: string): Promise<StatementResponse> {
    const nextDelay = backoffDelays({ initialMs: this.retryInitialDelayMs, maxMs: 2_000 });
    for (;;) {
      // The server long-polls each request for about a second; the timer only guards a hung one.
      const timeout = AbortSignal.timeout(Math.max(Math.ceil(deadline - this.clock()), 1));
      let response: Response;
      try {
        response = await this.fetch(url, { method, body, headers: this.headers, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
      } catch (e) {
        throw new Error(`Trino ${method} ${url} failed: ${describeFetchError(e)}`, { cause: e });
      }
      const text = await response.text();
      if (response.ok) return parseResponse(url, text);
      if (!RETRYABLE_STATUS.has(response.status) || this.clock() >= deadline) {
        throw new Error(`Trino ${method} ${url} answered HTTP ${response.status}: ${text.trim().slice(0, 500) || response.statusText}`);
      }
      await this.sleep(Math.min(nextDelay(), Math.max(deadline - this.clock(), 0)), signal);
      signal?.throwIfAborted();
    }
  }
}

function parseResponse(url: string, text: string): StatementResponse {
  let json: unknown;
  try {
    json = parseJsonKeepingIntegers(text);
  } catch {
    throw new Error(`Trino ${url} did not answer JSON: ${text.slice(0, 200)}`);
  }
  const parsed = responseSchema.safeParse(json);
  if (!parsed.success) throw new Error(`Trino ${url} answered an unexpected shape (${parsed.error.issues[0]?.message}): ${text.slice(0, 200)}`);
  return parsed.data;
}

function toColumns(queryId: string, columns: readonly { name: string; type: string }[]): ResultColumn[] {
  const result = columns.map((column) => ({ name: column.name, type: baseType(column.type) }));
  assertUniqueNames(`Trino query ${queryId}`, result);
  return result;
}

function toRecord(columns: readonly ResultColumn[], values: readonly unknown[]): Record<string, TypedValue> {
  return Object.fromEntries(columns.map((column, i) => [column.name, toTypedValue(column.type, values[i])]));
}

function errorReason(error: NonNullable<StatementResponse['error']>): string {
  return error.errorName ? `${error.errorName}: ${error.message}` : error.message;
}

/** fetch hides the useful part (ECONNREFUSED, ...) in its cause. */
function describeFetchError(e: unknown): string {
  const error = e as Error & { cause?: { code?: string; message?: string } };
  if (error.name === 'TimeoutError') return 'no answer before the query timeout';
  const cause = error.cause?.code ?? error.cause?.message;
  return cause ? `${error.message} (${cause})` : error.message;
}
