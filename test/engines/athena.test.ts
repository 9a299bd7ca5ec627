import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryExecutionOutput,
  GetQueryResultsCommand,
  GetQueryResultsOutput,
  QueryExecutionState,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AthenaEngine, AthenaEngineOptions } from '../../src/engines/athena';
import { QueryExecutionError, sqlDate } from '../../src/engines/query-engine';

const QUERY_ID = '5b1c7c0e-query-id';

/** A clock that only moves when the engine sleeps, so waits are exact and instant. */
function fakeTime() {
  const sleeps: number[] = [];
  let now = 0;
  return {
    sleeps,
    clock: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

function execution(state: QueryExecutionState, extra: Partial<NonNullable<GetQueryExecutionOutput['QueryExecution']>> = {}): GetQueryExecutionOutput {
  return { QueryExecution: { QueryExecutionId: QUERY_ID, StatementType: 'DML', Status: { State: state }, ...extra } };
}

const text = (...values: (string | undefined)[]) => ({ Data: values.map((v) => (v === undefined ? {} : { VarCharValue: v })) });

describe('AthenaEngine', () => {
  const client = new AthenaClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  const athena = mockClient(client);
  let time: ReturnType<typeof fakeTime>;
  const engine = (options: Partial<AthenaEngineOptions> = {}) =>
    new AthenaEngine({ client, workGroup: 'clickstream-dev', clock: time.clock, sleep: time.sleep, ...options });

  beforeEach(() => {
    athena.reset();
    time = fakeTime();
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: QUERY_ID });
  });

  it('sends the SQL with its parameters as ExecutionParameters', async () => {
    athena.on(GetQueryExecutionCommand).resolves(execution('SUCCEEDED'));
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [] }, Rows: [] } });

    await engine({ outputLocation: 's3://results/athena/', database: 'analytics', catalog: 'AwsDataCatalog' }).query(
      'SELECT * FROM sensor_health WHERE day BETWEEN ? AND ? AND status = ? AND sensor_id = ? AND faulty_pct > ? AND ok = ?',
      [sqlDate('2026-11-01'), sqlDate('2026-11-07'), "it's ok", 42, 12.5, true],
    );

    expect(athena.commandCalls(StartQueryExecutionCommand).map((call) => call.args[0].input)).toEqual([{
      QueryString: 'SELECT * FROM sensor_health WHERE day BETWEEN ? AND ? AND status = ? AND sensor_id = ? AND faulty_pct > ? AND ok = ?',
      WorkGroup: 'clickstream-dev',
      ExecutionParameters: ["DATE '2026-11-01'", "DATE '2026-11-07'", "'it''s ok'", '42', '12.5E0', 'TRUE'],
      ResultConfiguration: { OutputLocation: 's3://results/athena/' },
      QueryExecutionContext: { Database: 'analytics', Catalog: 'AwsDataCatalog' },
    }]);
  });

  it('sends no ExecutionParameters field for a query without parameters', async () => {
    athena.on(GetQueryExecutionCommand).resolves(execution('SUCCEEDED'));
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [] }, Rows: [] } });

    await engine().query('SELECT 1');

    expect(athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input).toEqual({ QueryString: 'SELECT 1', WorkGroup: 'clickstream-dev' });
  });

  it('polls with exponential backoff on the injected sleep, then reads every page, skipping only the header', async () => {
    athena.on(GetQueryExecutionCommand)
      .resolvesOnce(execution('QUEUED'))
      .resolvesOnce(execution('RUNNING'))
      .resolvesOnce(execution('RUNNING'))
      .resolves(execution('SUCCEEDED', { Statistics: { DataScannedInBytes: 4096 } }));
    const metadata = {
      ColumnInfo: [
        { Name: 'day', Label: 'day', Type: 'date' },
        { Name: 'sensor_id', Label: 'sensor_id', Type: 'integer' },
        { Name: 'events', Label: 'events', Type: 'bigint' },
        { Name: 'avg_temp', Label: 'avg_temp', Type: 'double' },
        { Name: 'faulty_pct', Label: 'faulty_pct', Type: 'decimal', Precision: 5, Scale: 2 },
        { Name: 'healthy', Label: 'healthy', Type: 'boolean' },
        { Name: 'status', Label: 'status', Type: 'varchar' },
        { Name: 'seen_at', Label: 'seen_at', Type: 'timestamp' },
      ],
    };
    const pages: GetQueryResultsOutput[] = [
      {
        NextToken: 'page-2',
        ResultSet: {
          ResultSetMetadata: metadata,
          Rows: [
            text('day', 'sensor_id', 'events', 'avg_temp', 'faulty_pct', 'healthy', 'status', 'seen_at'),
            text('2026-11-01', '7', '9007199254740993', '21.5', '12.50', 'true', 'OK', '2026-11-01 10:00:00.000'),
          ],
        },
      },
      {
        NextToken: 'page-3',
        ResultSet: { ResultSetMetadata: metadata, Rows: [text('2026-11-02', '8', '3', 'NaN', '0.00', 'false', '', '2026-11-02 00:00:00.000')] },
      },
      {
        // Athena leaves VarCharValue out for SQL NULL.
        ResultSet: { ResultSetMetadata: metadata, Rows: [text('2026-11-03', undefined, undefined, undefined, undefined, undefined, undefined, undefined)] },
      },
    ];
    // The paginator reuses one input object, so record copies.
    const requests: unknown[] = [];
    athena.on(GetQueryResultsCommand).callsFake((input: object) => {
      requests.push({ ...input });
      return pages.shift();
    });

    const result = await engine({ pageSize: 2 }).query('SELECT ...');

    expect(time.sleeps).toEqual([250, 500, 1000]);
    expect(requests).toEqual([
      { QueryExecutionId: QUERY_ID, MaxResults: 2 },
      { QueryExecutionId: QUERY_ID, MaxResults: 2, NextToken: 'page-2' },
      { QueryExecutionId: QUERY_ID, MaxResults: 2, NextToken: 'page-3' },
    ]);
    expect(result).toEqual({
      queryId: QUERY_ID,
      durationMs: 1750,
      bytesScanned: 4096,
      columns: [
        { name: 'day', type: 'date' },
        { name: 'sensor_id', type: 'integer' },
        { name: 'events', type: 'bigint' },
        { name: 'avg_temp', type: 'double' },
        { name: 'faulty_pct', type: 'decimal' },
        { name: 'healthy', type: 'boolean' },
        { name: 'status', type: 'varchar' },
        { name: 'seen_at', type: 'timestamp' },
      ],
      rows: [
        { day: '2026-11-01', sensor_id: 7, events: 9007199254740993n, avg_temp: 21.5, faulty_pct: '12.50', healthy: true, status: 'OK', seen_at: '2026-11-01 10:00:00.000' },
        { day: '2026-11-02', sensor_id: 8, events: 3, avg_temp: NaN, faulty_pct: '0.00', healthy: false, status: '', seen_at: '2026-11-02 00:00:00.000' },
        { day: '2026-11-03', sensor_id: null, events: null, avg_temp: null, faulty_pct: null, healthy: null, status: null, seen_at: null },
      ],
    });
  });

  it('keeps the first row of results that have no header (SHOW, DESCRIBE)', async () => {
    athena.on(GetQueryExecutionCommand).resolves(execution('SUCCEEDED', { StatementType: 'UTILITY', SubstatementType: 'SHOW_TABLES' }));
    athena.on(GetQueryResultsCommand).resolves({
      ResultSet: { ResultSetMetadata: { ColumnInfo: [{ Name: 'tab_name', Label: 'tab_name', Type: 'string' }] }, Rows: [text('sensor_health'), text('status_health')] },
    });

    const result = await engine().query('SHOW TABLES IN analytics');

    expect(result.columns).toEqual([{ name: 'tab_name', type: 'varchar' }]);
    expect(result.rows).toEqual([{ tab_name: 'sensor_health' }, { tab_name: 'status_health' }]);
  });

  it('fails with the query id, StateChangeReason and AthenaError of a FAILED query', async () => {
    athena.on(GetQueryExecutionCommand).resolves(execution('FAILED', {
      Status: {
        State: 'FAILED',
        StateChangeReason: "COLUMN_NOT_FOUND: line 1:8: Column 'nope' cannot be resolved",
        AthenaError: { ErrorCategory: 2, ErrorType: 1006, Retryable: false },
      },
    }));

    const error = await engine().query('SELECT nope FROM sensor_health').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(QueryExecutionError);
    expect(error).toMatchObject({ queryId: QUERY_ID, failure: 'failed' });
    expect((error as Error).message).toBe(
      `Athena query ${QUERY_ID} failed: COLUMN_NOT_FOUND: line 1:8: Column 'nope' cannot be resolved (AthenaError category 2, type 1006, not retryable)`,
    );
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(0);
    expect(athena.commandCalls(StopQueryExecutionCommand)).toHaveLength(0);
  });

  it('fails with the query id and reason of a CANCELLED query', async () => {
    athena.on(GetQueryExecutionCommand)
      .resolvesOnce(execution('RUNNING'))
      .resolves(execution('CANCELLED', { Status: { State: 'CANCELLED', StateChangeReason: 'Query cancelled by user' } }));

    await expect(engine().query('SELECT 1')).rejects.toThrow(`Athena query ${QUERY_ID} cancelled: Query cancelled by user`);
  });

  it('stops the query and names it when the timeout passes', async () => {
    athena.on(GetQueryExecutionCommand).resolves(execution('RUNNING'));
    athena.on(StopQueryExecutionCommand).resolves({});

    const error = await engine({ timeoutMs: 1_000 }).query('SELECT 1').catch((e: unknown) => e);

    expect((error as Error).message).toBe(`Athena query ${QUERY_ID} timed out: still RUNNING after 1000 ms; stopped it`);
    // The last pause is cut to what is left of the timeout.
    expect(time.sleeps).toEqual([250, 500, 250]);
    expect(athena.commandCalls(StopQueryExecutionCommand).map((call) => call.args[0].input)).toEqual([{ QueryExecutionId: QUERY_ID }]);
  });

  it('still reports the timeout when stopping the query fails too', async () => {
    athena.on(GetQueryExecutionCommand).resolves(execution('QUEUED'));
    athena.on(StopQueryExecutionCommand).rejects(new Error('AccessDeniedException: not allowed'));

    await expect(engine({ timeoutMs: 100 }).query('SELECT 1')).rejects.toThrow(
      `Athena query ${QUERY_ID} timed out: still QUEUED after 100 ms; stopped it; StopQueryExecution also failed: AccessDeniedException: not allowed`,
    );
  });

  it('stops the query when the caller aborts while it runs', async () => {
    const controller = new AbortController();
    athena.on(GetQueryExecutionCommand).resolves(execution('RUNNING'));
    athena.on(StopQueryExecutionCommand).resolves({});
    const sleep = async () => controller.abort(new Error('shutting down'));

    await expect(engine({ sleep }).query('SELECT 1', [], { signal: controller.signal })).rejects.toThrow(
      `Athena query ${QUERY_ID} aborted: the caller aborted (shutting down)`,
    );
    expect(athena.commandCalls(StopQueryExecutionCommand)).toHaveLength(1);
  });

  it('names the workgroup when Athena refuses to start the query', async () => {
    athena.on(StartQueryExecutionCommand).rejects(new Error('TooManyRequestsException: Rate exceeded'));

    await expect(engine().query('SELECT 1')).rejects.toThrow('Athena StartQueryExecution failed in workgroup clickstream-dev: TooManyRequestsException: Rate exceeded');
  });

  it('refuses two result columns of one name, which records would merge', async () => {
    athena.on(GetQueryExecutionCommand).resolves(execution('SUCCEEDED'));
    athena.on(GetQueryResultsCommand).resolves({
      ResultSet: { ResultSetMetadata: { ColumnInfo: [{ Name: 'a', Type: 'integer' }, { Name: 'a', Type: 'integer' }] }, Rows: [] },
    });

    await expect(engine().query('SELECT 1 AS a, 2 AS a')).rejects.toThrow(`Athena query ${QUERY_ID} returns two columns named "a"; give them distinct aliases.`);
  });

  it('validates its options and parameters before calling Athena', async () => {
    expect(() => engine({ outputLocation: 'results/' })).toThrow('Athena outputLocation must be an s3:// URI, got "results/".');
    expect(() => engine({ timeoutMs: 0 })).toThrow('Athena timeoutMs must be a positive number, got 0.');
    expect(() => engine({ pageSize: 5000 })).toThrow('Athena pageSize must be a whole number up to 1000, got 5000.');
    await expect(engine().query('SELECT 1 WHERE day = ?', [sqlDate('2026-13-1')])).rejects.toThrow('Parameter 1 is not a valid date: "2026-13-1" (expected YYYY-MM-DD).');
    await expect(engine().query('SELECT 1 WHERE status = ?', ['x'.repeat(1100)])).rejects.toThrow('Parameter 1 renders to 1102 characters; Athena accepts at most 1024.');
    // Athena User Guide, "Use parameterized queries": ? only in WHERE clauses; refused here, not by a failed query there.
    await expect(engine().query('SELECT ? AS tag', ['x'])).rejects.toThrow('Currently, ? parameters can be placed only in the WHERE clause.');
    expect(athena.calls()).toHaveLength(0);
  });
});
