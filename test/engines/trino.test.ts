import { afterEach, describe, expect, it } from 'vitest';
import { FakeTrino, inOrder, Reply, running, startFakeTrino } from './fake-trino';
import { QueryExecutionError, sqlDate } from '../../src/engines/query-engine';
import { TrinoEngine, TrinoEngineOptions } from '../../src/engines/trino';

const QUERY_ID = '20261105_101500_00007_abcde';

const COLUMNS = [
  { name: 'day', type: 'date' },
  { name: 'sensor_id', type: 'integer' },
  { name: 'events', type: 'bigint' },
  { name: 'avg_temp', type: 'double' },
  { name: 'faulty_pct', type: 'decimal(5,2)' },
  { name: 'healthy', type: 'boolean' },
  { name: 'status', type: 'varchar(16)' },
  { name: 'seen_at', type: 'timestamp(3)' },
  { name: 'readings', type: 'array(integer)' },
];

function finished(endpoint: string, extra: Record<string, unknown> = {}): Reply {
  return { body: { id: QUERY_ID, infoUri: `${endpoint}/ui/query.html?${QUERY_ID}`, stats: { state: 'FINISHED', physicalInputBytes: 2048 }, ...extra } };
}

describe('TrinoEngine (protocol, against a scripted coordinator)', () => {
  let trino: FakeTrino | undefined;
  afterEach(async () => {
    await trino?.close();
    trino = undefined;
  });
  const engine = (options: Partial<TrinoEngineOptions> = {}) => new TrinoEngine({ endpoint: trino!.endpoint, clock: () => 0, ...options });

  it('follows nextUri to the end, typing each batch of rows from the columns', async () => {
    trino = await startFakeTrino(inOrder(
      (endpoint) => running(endpoint, QUERY_ID, 0),
      (endpoint) => running(endpoint, QUERY_ID, 1, { columns: COLUMNS }),
      // Raw text: Trino sends bigint as a bare JSON number, beyond what a double holds.
      (endpoint) => ({
        body: `{"id":"${QUERY_ID}","nextUri":"${endpoint}/v1/statement/executing/${QUERY_ID}/y0/2","columns":${JSON.stringify(COLUMNS)},`
          + '"data":[["2026-11-01",7,9007199254740993,21.5,"12.50",true,"OK","2026-11-01 10:00:00.000",[1,2]],'
          + '["2026-11-02",-8,-3,"NaN","0.00",false,"it\'s 1234567890123456789","2026-11-02 00:00:00.000",[]]],"stats":{"state":"RUNNING"}}',
      }),
      (endpoint) => finished(endpoint, { columns: COLUMNS, data: [['2026-11-03', null, null, 'Infinity', null, null, null, null, null]] }),
    ));

    const result = await engine().query('SELECT * FROM temp_humidity_kpis');

    expect(trino.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /v1/statement',
      `GET /v1/statement/executing/${QUERY_ID}/y0/0`,
      `GET /v1/statement/executing/${QUERY_ID}/y0/1`,
      `GET /v1/statement/executing/${QUERY_ID}/y0/2`,
    ]);
    expect(trino.requests[0].body).toBe('SELECT * FROM temp_humidity_kpis');
    expect(trino.requests[0].headers).toMatchObject({
      'x-trino-user': 'clickstream',
      'x-trino-source': 'clickstream',
      'x-trino-catalog': 'awsdatacatalog',
      'x-trino-schema': 'analytics',
      'x-trino-time-zone': 'UTC',
    });
    expect(result).toEqual({
      queryId: QUERY_ID,
      durationMs: 0,
      bytesScanned: 2048,
      columns: [
        { name: 'day', type: 'date' },
        { name: 'sensor_id', type: 'integer' },
        { name: 'events', type: 'bigint' },
        { name: 'avg_temp', type: 'double' },
        { name: 'faulty_pct', type: 'decimal' },
        { name: 'healthy', type: 'boolean' },
        { name: 'status', type: 'varchar' },
        { name: 'seen_at', type: 'timestamp' },
        { name: 'readings', type: 'array' },
      ],
      rows: [
        { day: '2026-11-01', sensor_id: 7, events: 9007199254740993n, avg_temp: 21.5, faulty_pct: '12.50', healthy: true, status: 'OK', seen_at: '2026-11-01 10:00:00.000', readings: '[1,2]' },
        { day: '2026-11-02', sensor_id: -8, events: -3, avg_temp: NaN, faulty_pct: '0.00', healthy: false, status: "it's 1234567890123456789", seen_at: '2026-11-02 00:00:00.000', readings: '[]' },
        { day: '2026-11-03', sensor_id: null, events: null, avg_temp: Infinity, faulty_pct: null, healthy: null, status: null, seen_at: null, readings: null },
      ],
    });
  });

  it('binds parameters server-side through EXECUTE IMMEDIATE with the Athena literals', async () => {
    trino = await startFakeTrino(inOrder((endpoint) => finished(endpoint)));

    await engine({ catalog: 'iceberg', schema: 'kpis' }).query('SELECT count(*) FROM status_health WHERE status = ? AND day >= ?', ["it's", sqlDate('2026-11-01')]);

    expect(trino.requests[0].body).toBe("EXECUTE IMMEDIATE 'SELECT count(*) FROM status_health WHERE status = ? AND day >= ?' USING 'it''s', DATE '2026-11-01'");
    expect(trino.requests[0].headers).toMatchObject({ 'x-trino-catalog': 'iceberg', 'x-trino-schema': 'kpis' });
  });

  it('fails with the query id, error name and message of a failed query', async () => {
    trino = await startFakeTrino(inOrder(
      (endpoint) => running(endpoint, QUERY_ID, 0),
      (endpoint) => finished(endpoint, {
        stats: { state: 'FAILED' },
        error: {
          message: "line 1:8: Column 'nope' cannot be resolved",
          errorCode: 47,
          errorName: 'COLUMN_NOT_FOUND',
          errorType: 'USER_ERROR',
          errorLocation: { lineNumber: 1, columnNumber: 8 },
          failureInfo: { type: 'io.trino.spi.TrinoException', message: "line 1:8: Column 'nope' cannot be resolved", suppressed: [], stack: [] },
        },
      }),
    ));

    const error = await engine().query('SELECT nope FROM sensor_health').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(QueryExecutionError);
    expect(error).toMatchObject({ queryId: QUERY_ID, failure: 'failed' });
    expect((error as Error).message).toBe(`Trino query ${QUERY_ID} failed: COLUMN_NOT_FOUND: line 1:8: Column 'nope' cannot be resolved`);
  });

  it('reports a query cancelled elsewhere as cancelled', async () => {
    trino = await startFakeTrino(inOrder((endpoint) => finished(endpoint, {
      stats: { state: 'FAILED' },
      error: { message: 'Query was canceled', errorCode: 3, errorName: 'USER_CANCELED', errorType: 'USER_ERROR' },
    })));

    await expect(engine().query('SELECT 1')).rejects.toThrow(`Trino query ${QUERY_ID} cancelled: USER_CANCELED: Query was canceled`);
  });

  it('cancels the query (DELETE nextUri) and names it when the timeout passes', async () => {
    let now = 0;
    trino = await startFakeTrino(inOrder((endpoint) => running(endpoint, QUERY_ID, 1)));

    const error = await engine({ timeoutMs: 1_000, clock: () => (now += 300) }).query('SELECT 1').catch((e: unknown) => e);

    expect((error as Error).message).toBe(`Trino query ${QUERY_ID} timed out: still RUNNING after 1000 ms; cancelled it`);
    expect(trino.requests.at(-1)).toMatchObject({ method: 'DELETE', path: `/v1/statement/executing/${QUERY_ID}/y0/1` });
  });

  it('cancels the query when the caller aborts', async () => {
    const controller = new AbortController();
    trino = await startFakeTrino((request, endpoint) => {
      if (request.method === 'GET') controller.abort('operator pressed Ctrl-C');
      return running(endpoint, QUERY_ID, 1);
    });

    await expect(engine().query('SELECT 1', [], { signal: controller.signal })).rejects.toThrow(
      `Trino query ${QUERY_ID} aborted: the caller aborted (operator pressed Ctrl-C)`,
    );
    expect(trino.requests.map((r) => r.method)).toEqual(['POST', 'GET', 'DELETE']);
  });

  it('retries while the coordinator answers 503 (starting), pausing on the injected sleep', async () => {
    const sleeps: number[] = [];
    trino = await startFakeTrino(inOrder(
      () => ({ status: 503, body: 'Trino server is still initializing' }),
      () => ({ status: 503, body: 'Trino server is still initializing' }),
      (endpoint) => finished(endpoint, { columns: [{ name: '_col0', type: 'integer' }], data: [[1]] }),
    ));

    const result = await engine({ sleep: async (ms) => void sleeps.push(ms) }).query('SELECT 1');

    expect(sleeps).toEqual([100, 200]);
    expect(result.rows).toEqual([{ _col0: 1 }]);
  });

  it('reports other HTTP errors with the server text', async () => {
    trino = await startFakeTrino(inOrder(() => ({ status: 400, body: 'User must be set' })));

    await expect(engine().query('SELECT 1')).rejects.toThrow(`Trino POST ${trino.endpoint}/v1/statement answered HTTP 400: User must be set`);
  });

  it('says why it could not reach the coordinator', async () => {
    trino = await startFakeTrino(inOrder((endpoint) => finished(endpoint)));
    const endpoint = trino.endpoint;
    await trino.close();
    trino = undefined;

    await expect(new TrinoEngine({ endpoint }).query('SELECT 1')).rejects.toThrow(`Trino POST ${endpoint}/v1/statement failed: fetch failed (ECONNREFUSED)`);
  });

  it('validates its options', () => {
    expect(() => new TrinoEngine({ endpoint: '127.0.0.1:8080' })).toThrow('Trino endpoint must be a URL such as http://127.0.0.1:8080, got "127.0.0.1:8080".');
    expect(() => new TrinoEngine({ endpoint: 'ftp://127.0.0.1:8080' })).toThrow('Trino endpoint must be http(s), got "ftp://127.0.0.1:8080".');
    expect(() => new TrinoEngine({ endpoint: 'http://127.0.0.1:8080', schema: ' ' })).toThrow('Trino schema must not be empty; omit it for the default.');
    expect(() => new TrinoEngine({ endpoint: 'http://127.0.0.1:8080', timeoutMs: -1 })).toThrow('Trino timeoutMs must be a positive number, got -1.');
  });
});
