import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeTrino, startFakeTrino } from './fake-trino';
import { AthenaEngine } from '../../src/engines/athena';
import { QueryEngine, QueryParameter, sqlDate, sqlDecimal, sqlTimestamp } from '../../src/engines/query-engine';
import { TrinoEngine } from '../../src/engines/trino';
import { quote } from '../../src/sql/quote';

/** The checks are proven on Trino locally; Athena must be sent exactly that SQL and those values. */
describe('one SQL text for both engines', () => {
  const client = new AthenaClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  const athena = mockClient(client);
  let trino: FakeTrino | undefined;
  afterEach(async () => {
    athena.reset();
    await trino?.close();
  });

  async function sentBy(sql: string, params: readonly QueryParameter[]) {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'athena-1' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' }, StatementType: 'DML' } });
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [] }, Rows: [] } });
    trino = await startFakeTrino(() => ({ body: { id: 'trino-1', stats: { state: 'FINISHED' } } }));
    const engines: QueryEngine[] = [
      new AthenaEngine({ client, workGroup: 'clickstream-dev', sleep: async () => {} }),
      new TrinoEngine({ endpoint: trino.endpoint }),
    ];
    for (const engine of engines) await engine.query(sql, params);
    const { QueryString, ExecutionParameters } = athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input;
    return { athena: { sql: QueryString, parameters: ExecutionParameters }, trinoBody: trino.requests[0].body };
  }

  it('sends the Athena SQL text and ExecutionParameters to Trino, bound by EXECUTE IMMEDIATE', async () => {
    const sql = `SELECT day, count(*) AS n
FROM awsdatacatalog.analytics.temp_humidity_kpis
WHERE day BETWEEN ? AND ? AND latitude > ? AND note <> ? AND seen_at < ? AND ok = ? AND pct < ? AND id <> ? AND x IS NOT DISTINCT FROM ?
GROUP BY day`;
    const params = [sqlDate('2026-11-01'), sqlDate('2026-11-07'), -33.5, "O'Brien's sensor", sqlTimestamp('2026-11-08 00:00:00'), false, sqlDecimal('99.95'), 12n, null];

    const sent = await sentBy(sql, params);

    expect(sent.athena).toEqual({
      sql,
      parameters: ["DATE '2026-11-01'", "DATE '2026-11-07'", '-33.5E0', "'O''Brien''s sensor'", "TIMESTAMP '2026-11-08 00:00:00'", 'FALSE', "DECIMAL '99.95'", '12', 'NULL'],
    });
    expect(sent.trinoBody).toBe(`EXECUTE IMMEDIATE ${quote(sent.athena.sql!)} USING ${sent.athena.parameters!.join(', ')}`);
  });

  it('sends a statement without parameters to both unchanged', async () => {
    const sql = "SELECT status, sensor_count FROM status_health WHERE status <> 'it''s ?'";

    const sent = await sentBy(sql, []);

    expect(sent.athena).toEqual({ sql, parameters: undefined });
    expect(sent.trinoBody).toBe(sql);
  });
});
