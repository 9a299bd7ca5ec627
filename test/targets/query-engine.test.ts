import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config';
import { localPaths } from '../../src/local/paths';
import { athenaEngine } from '../../src/targets/aws/athena-engine';
import { localTarget } from '../../src/targets/local/local-target';
import { targetFor } from '../../src/targets/targets';

describe('the query engine of a target', () => {
  it('runs Athena queries in the environment\'s workgroup, results bucket and database on aws', async () => {
    const client = new AthenaClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    const athena = mockClient(client);
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q1' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' }, StatementType: 'DML' } });
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [] }, Rows: [] } });

    const engine = athenaEngine(loadConfig({ target: 'aws', environment: 'staging', region: 'eu-west-1' }, {}), { client });
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

    await expect(localTarget({ paths }).queryEngine(loadConfig({ target: 'local' }, {}))).rejects.toThrow('Start it with `npx clickstream up`');
  });

  it('uses the given Trino on local without a stack', async () => {
    const engine = await targetFor('local').queryEngine(loadConfig({ target: 'local' }, {}), { trinoEndpoint: 'http://127.0.0.1:1' });
    expect(engine.name).toBe('trino');
  });

  it('is Athena on aws, in the environment\'s workgroup', async () => {
    const engine = await targetFor('aws').queryEngine(loadConfig({ target: 'aws', environment: 'prod', region: 'us-east-1' }, {}));
    expect(engine.name).toBe('athena');
  });

  it('refuses a Trino endpoint on aws, where Athena runs the queries', async () => {
    await expect(targetFor('aws').queryEngine(loadConfig({ target: 'aws', environment: 'dev' }, {}), { trinoEndpoint: 'http://127.0.0.1:8080' }))
      .rejects.toThrow('applies to the local target only');
  });
});
