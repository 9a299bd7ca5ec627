import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CreateStreamCommand, waitUntilStreamExists } from '@aws-sdk/client-kinesis';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmulatorFixture, canonical, download, landedLine, listKeys, multisetDifference, startEmulatorFixture } from './emulator-fixture';
import { UNCONVERTIBLE_KINDS } from '../../src/events/anomalies';
import { GeneratedRecord, GeneratorOptions, generateRecords } from '../../src/events/generator';
import { EVENT_FIELDS, duckdbType } from '../../src/events/schema';
import { land, LandingOptions } from '../../src/landing/worker';
import { replay } from '../../src/replay/replayer';
import { generatorSource } from '../../src/replay/sources';

/** A stream of its own with 8 shards, so the replay and the landing work across many shards. */
const STREAM = 'clickstream-e2e-events';
const SHARDS = 8;

const GENERATED: GeneratorOptions = { count: 50_000, seed: 11, days: 2, duplicateRate: 0.03, malformedRate: 0.02 };

describe('replay -> land -> bronze Parquet on the emulator', () => {
  let fixture: EmulatorFixture;
  let tmp: string;
  let landingOptions: LandingOptions;
  let replayed: Awaited<ReturnType<typeof replay>>;
  let landed: Awaited<ReturnType<typeof land>>;
  const generated: GeneratedRecord[] = [...generateRecords(GENERATED)];

  beforeAll(async () => {
    fixture = await startEmulatorFixture();
    await fixture.clients.kinesis.send(new CreateStreamCommand({ StreamName: STREAM, ShardCount: SHARDS }));
    await waitUntilStreamExists({ client: fixture.clients.kinesis, maxWaitTime: 30 }, { StreamName: STREAM });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bronze-'));
    landingOptions = {
      kinesis: fixture.clients.kinesis,
      s3: fixture.clients.s3,
      streamName: STREAM,
      bucket: fixture.names.bronzeBucket,
      deliveryStreamName: fixture.names.deliveryStreamName,
      table: { databaseName: fixture.names.glueDatabase, tableName: fixture.names.rawTable, region: 'us-east-1' },
      bufferSizeBytes: 4 * 1024 * 1024,
      tempDir: tmp,
    };
    // The replay and the first landing, which both cases look at.
    replayed = await replay({ kinesis: fixture.clients.kinesis, streamName: STREAM, source: generatorSource(GENERATED), rate: 'unlimited' });
    landed = await land(landingOptions);
  }, 300_000);
  afterAll(async () => {
    await fixture?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('lands every valid event with its generated values and every unconvertible record as an error', async () => {
    expect(replayed).toMatchObject({ read: 50_000, sent: 50_000, failed: 0 });

    const expectedErrors = generated.filter((r) => UNCONVERTIBLE_KINDS.includes(r.kind as never));
    const expectedRows = generated.filter((r) => !UNCONVERTIBLE_KINDS.includes(r.kind as never));
    expect(landed.read).toBe(50_000);
    expect(landed.landed + landed.errors).toBe(landed.read);
    expect(landed.errors).toBe(expectedErrors.length);
    expect(landed.objects.filter((o) => o.kind === 'parquet').length).toBeGreaterThan(1);

    const parquetKeys = await listKeys(fixture.clients.s3, fixture.names.bronzeBucket, 'events/');
    for (const key of parquetKeys) {
      expect(key).toMatch(/^events\/year=\d{4}\/month=\d{2}\/day=\d{2}\/hour=\d{2}\/clickstream-local-bronze-delivery-1-[\d-]+-[0-9a-f-]{36}\.parquet$/);
    }
    const files = await download(fixture.clients.s3, fixture.names.bronzeBucket, parquetKeys, tmp);
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    const list = `[${files.map((f) => `'${f}'`).join(', ')}]`;
    const rows = (await duck.runAndReadAll(`SELECT * FROM read_parquet(${list})`)).getRowObjectsJS() as Array<Record<string, unknown>>;
    // Every valid event, duplicates, out-of-range values and missing fields (as NULL) included, with exactly its generated values.
    expect(multisetDifference(rows.map(canonical), expectedRows.map((r) => landedLine(r.line)))).toEqual({ missing: [], unexpected: [] });

    const schema = (await duck.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${files[0]}')`)).getRowObjectsJson();
    expect(schema.map((c) => [c.column_name, c.column_type])).toEqual(EVENT_FIELDS.map((f) => [f.name, duckdbType(f.type)]));
    const codecs = (await duck.runAndReadAll(`SELECT DISTINCT compression FROM parquet_metadata(${list})`)).getRowObjectsJson();
    expect(codecs).toEqual([{ compression: 'SNAPPY' }]);
    duck.closeSync();

    const errorKeys = await listKeys(fixture.clients.s3, fixture.names.bronzeBucket, 'errors/format-conversion-failed/');
    const errorDocs: Array<Record<string, string>> = [];
    for (const key of errorKeys) {
      expect(key).toMatch(/^errors\/format-conversion-failed\/year=\d{4}\/month=\d{2}\/day=\d{2}\/hour=\d{2}\//);
      const object = await fixture.clients.s3.send(new GetObjectCommand({ Bucket: fixture.names.bronzeBucket, Key: key }));
      const body = await object.Body!.transformToString();
      errorDocs.push(...body.trimEnd().split('\n').map((l) => JSON.parse(l)));
    }
    const reasonByRaw = new Map(errorDocs.map((d) => [Buffer.from(d.rawData, 'base64').toString(), d]));
    const rawLines = errorDocs.map((d) => Buffer.from(d.rawData, 'base64').toString());
    // Firehose keeps the record's bytes as sent: the document and the producer's newline.
    expect(multisetDifference(rawLines, expectedErrors.map((r) => `${r.line}\n`))).toEqual({ missing: [], unexpected: [] });
    const expected = {
      invalid_json: ['DataFormatConversion.ParseError', /^not valid JSON/],
      wrong_type: ['DataFormatConversion.MalformedData', /^field \S+: expected /],
    } as Record<string, [string, RegExp]>;
    for (const record of expectedErrors) {
      const doc = reasonByRaw.get(`${record.line}\n`)!;
      expect(doc.ErrorCode).toBe(expected[record.kind][0]);
      expect(doc.ErrorMessage).toMatch(expected[record.kind][1]);
    }
  }, 300_000);

  it('lands only new records on a second run', async () => {
    expect(landed.read).toBe(50_000);
    const again = await land(landingOptions);
    expect(again).toMatchObject({ read: 0, landed: 0, errors: 0, objects: [] });
    await replay({ kinesis: fixture.clients.kinesis, streamName: STREAM, source: generatorSource({ count: 300, seed: 12 }), rate: 'unlimited' });
    const next = await land(landingOptions);
    expect(next).toMatchObject({ read: 300, landed: 300, errors: 0 });
    expect(next.shards).toHaveLength(SHARDS);
    expect(next.shards.map((s) => s.startedAfter)).not.toContain(undefined);
  }, 60_000);
});
