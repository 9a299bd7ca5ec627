import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config';
import { engineForTarget } from '../../src/engines/for-target';
import { localPaths } from '../../src/local/paths';

describe('the engine of a target', () => {
  it('runs Athena queries in the environment\'s workgroup, results bucket and database on aws', async () => {
    const client = new AthenaClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    const athena = mockClient(client);
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q1' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' }, StatementType: 'DML' } });
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [] }, Rows: [] } });

    const engine = await engineForTarget({ config: loadConfig({ target: 'aws', environment: 'staging', region: 'eu-west-1' }, {}), athenaClient: client });
    await engine.query('SELECT 1');

    expect(engine.name).toBe('athena');
    expect(athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input).toEqual({
      QueryString: 'SELECT 1',
      WorkGroup: 'clickstream-staging-kpis',
      ResultConfiguration: { OutputLocation: 's3://clickstream-staging-athena-results/' },
      // Staging's own database (the naming module's), not prod's analytics.
      QueryExecutionContext: { Database: 'analytics_staging' },
    });
  });

  it('says how to start the local stack when it is not running', async () => {
    const paths = { ...localPaths(), stateFile: path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'clickstream-no-stack-')), 'stack.json') };

    await expect(engineForTarget({ config: loadConfig({ target: 'local' }, {}), paths })).rejects.toThrow('Start it with `npx clickstream up`');
  });

  it('uses the given Trino on local without a stack', async () => {
    const engine = await engineForTarget({ config: loadConfig({ target: 'local' }, {}), trinoEndpoint: 'http://127.0.0.1:1' });
    expect(engine.name).toBe('trino');
  });
});
