import { GetColumnStatisticsForTableCommand } from '@aws-sdk/client-glue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmulatorFixture, startEmulatorFixture } from '../landing/emulator-fixture';
import { describePytest } from '../support/pytest';

/**
 * The emulator launcher (src/local/moto_server.py) swaps moto's linear Kinesis shard lookups for
 * constant-time ones, and answers Glue's column-statistics reads that moto lacks.
 */
describe('moto launcher', () => {
  describePytest('answers every Kinesis shard lookup as moto does (pytest)', { target: 'test/local/test_moto_server.py', timeoutMs: 120_000 });

  describe('Glue column statistics, over HTTP', () => {
    let fixture: EmulatorFixture;
    beforeAll(async () => {
      fixture = await startEmulatorFixture();
    });
    afterAll(async () => {
      await fixture?.stop();
    });

    it('returns no statistics for an existing table, at once (moto alone answers HTTP 500, which Trino retries)', async () => {
      const response = await fixture.clients.glue.send(new GetColumnStatisticsForTableCommand({
        DatabaseName: fixture.names.glueDatabase, TableName: fixture.names.rawTable, ColumnNames: ['sensor_id', 'uuid'],
      }));
      expect(response.ColumnStatisticsList).toEqual([]);
      expect(response.Errors).toEqual([]);
    });

    it('says EntityNotFoundException for a table that does not exist', async () => {
      await expect(fixture.clients.glue.send(new GetColumnStatisticsForTableCommand({
        DatabaseName: fixture.names.glueDatabase, TableName: 'no_such_table', ColumnNames: ['x'],
      }))).rejects.toMatchObject({ name: 'EntityNotFoundException' });
    });
  });
});
