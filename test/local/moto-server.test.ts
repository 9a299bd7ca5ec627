import { GetColumnStatisticsForTableCommand } from '@aws-sdk/client-glue';
import { CreateStreamCommand, waitUntilStreamExists } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRecords } from '../../src/events/generator';
import { DEFAULT_CONCURRENCY, replay } from '../../src/replay/replayer';
import { generatorSource } from '../../src/replay/sources';
import { EmulatorFixture, readStreamRecords, startEmulatorFixture } from '../landing/emulator-fixture';
import { describePytest } from '../support/pytest';

/**
 * The emulator launcher (src/local/moto_server.py) swaps moto's linear Kinesis shard lookups for
 * constant-time ones, serializes the Kinesis calls that number or read a shard's records, and
 * answers Glue's column-statistics reads that moto lacks.
 */
describe('moto launcher', () => {
  describePytest('answers every Kinesis shard lookup as moto does (pytest)', { target: 'test/local/test_moto_server.py', timeoutMs: 120_000 });

  describe('Kinesis under concurrent PutRecords, over HTTP', () => {
    const STREAM = 'clickstream-concurrency-events';
    // All unique (no re-deliveries), so every record can be found once by its uuid.
    const EVENTS = { count: 8_000, seed: 23, duplicateRate: 0, malformedRate: 0 };
    let fixture: EmulatorFixture;
    beforeAll(async () => {
      fixture = await startEmulatorFixture();
      // Two shards: the calls in flight contend for the same shard's next sequence number.
      await fixture.clients.kinesis.send(new CreateStreamCommand({ StreamName: STREAM, ShardCount: 2 }));
      await waitUntilStreamExists({ client: fixture.clients.kinesis, maxWaitTime: 30 }, { StreamName: STREAM });
    });
    afterAll(async () => {
      await fixture?.stop();
    });

    // moto's Shard.put_record numbers a record "max + 1" without a lock, so two calls in flight
    // could take the same number and one record would overwrite the other, both acknowledged.
    it(`keeps every record of ${DEFAULT_CONCURRENCY * 2} PutRecords calls in flight, each exactly once`, async () => {
      const result = await replay({
        kinesis: fixture.clients.kinesis, streamName: STREAM, source: generatorSource(EVENTS), rate: 'unlimited', concurrency: DEFAULT_CONCURRENCY * 2,
      });
      // No retries either: a call that failed inside moto (HTTP 500) would be re-sent whole, and its first records twice.
      expect(result).toMatchObject({ sent: EVENTS.count, failed: 0, retried: 0 });

      const records = await readStreamRecords(fixture.clients.kinesis, STREAM);
      const uuids = records.map((r) => (JSON.parse(Buffer.from(r.Data!).toString()) as { uuid: string }).uuid);
      const expected = [...generateRecords(EVENTS)].map((r) => r.event.uuid);
      expect(records.length).toBe(EVENTS.count);
      expect(new Set(uuids).size).toBe(EVENTS.count);
      expect([...uuids].sort()).toEqual([...expected].sort());
      for (const shardId of new Set(records.map((r) => r.shardId))) {
        const numbers = records.filter((r) => r.shardId === shardId).map((r) => BigInt(r.SequenceNumber!));
        // Read back in order, each number once: no record took another's place.
        expect(numbers).toEqual([...numbers].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
        expect(new Set(numbers).size).toBe(numbers.length);
      }
    }, 120_000);
  });

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
