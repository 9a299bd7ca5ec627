import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CreateStreamCommand, _Record, waitUntilStreamExists } from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmulatorFixture, canonical, download, landedLine, listKeys, multisetDifference, readStreamRecords, startEmulatorFixture } from './emulator-fixture';
import { FORMAT_CONVERSION_FAILED, renderBronzeErrorPrefix, renderBronzePrefix } from '../../src/config/names';
import { UNCONVERTIBLE_KINDS } from '../../src/events/anomalies';
import { GeneratorOptions, generateRecords } from '../../src/events/generator';
import { LandingOptions, LandingResult, land } from '../../src/landing/worker';
import { ReplayResult, replay } from '../../src/replay/replayer';
import { generatorSource } from '../../src/replay/sources';

const STREAM = 'clickstream-alongside-events';
const SHARDS = 4;
const SEQUENTIAL_BUCKET = 'clickstream-alongside-sequential';
// No re-deliveries: each landed row is one record of the stream, whose arrival time is known.
const EVENTS: GeneratorOptions = { count: 4_000, seed: 31, days: 2, duplicateRate: 0, malformedRate: 0.03 };
/** About two seconds of replay, so there is a stream to follow. */
const REPLAY_RATE = { recordsPerSecond: 2_000 };
/** Simulated arrivals: a real second is an hour from here, so the replay's records arrive over a few arrival hours. */
const SIMULATED_START = Date.UTC(2026, 10, 24, 10, 0, 0);
const WARP = 3_600;

/**
 * What an object must be named by the Firehose rules the landing follows (Firehose docs, "Custom
 * Prefixes for Amazon S3 Objects": the timestamp namespace is the approximate arrival time of the
 * oldest record in the object; "Buffering hints": the first buffer condition satisfied, size or
 * interval, triggers delivery). Where a buffer ends
 * depends on when its records were read, so landing alongside the replay and landing afterwards
 * cut objects differently; each must still be named after its own oldest record.
 */
const NAME = /^(events|errors\/format-conversion-failed)\/year=\d{4}\/month=\d{2}\/day=\d{2}\/hour=\d{2}\/clickstream-local-bronze-delivery-1-\d{4}(-\d{2}){5}-[0-9a-f-]{36}(\.parquet)?$/;

describe('landing alongside the replay, on the emulator', () => {
  let fixture: EmulatorFixture;
  let tmp: string;
  let realStart: number;
  const generated = [...generateRecords(EVENTS)];
  const expectedRows = generated.filter((r) => !UNCONVERTIBLE_KINDS.includes(r.kind as never)).map((r) => landedLine(r.line));
  const expectedErrors = generated.filter((r) => UNCONVERTIBLE_KINDS.includes(r.kind as never)).map((r) => `${r.line}\n`);
  const arrivalTime = (record: _Record) => new Date(SIMULATED_START + (record.ApproximateArrivalTimestamp!.getTime() - realStart) * WARP);
  const landingOptions = (bucket: string): LandingOptions => ({
    kinesis: fixture.clients.kinesis,
    s3: fixture.clients.s3,
    streamName: STREAM,
    bucket,
    deliveryStreamName: fixture.names.deliveryStreamName,
    // Small buffers: many objects, delivered while the replay still runs.
    bufferSizeBytes: 64 * 1024,
    tempDir: tmp,
    arrivalTime,
  });

  let replayed: ReplayResult;
  let alongside: LandingResult;
  const duringReplay = { read: 0, delivered: 0 };

  beforeAll(async () => {
    fixture = await startEmulatorFixture();
    await fixture.clients.kinesis.send(new CreateStreamCommand({ StreamName: STREAM, ShardCount: SHARDS }));
    await waitUntilStreamExists({ client: fixture.clients.kinesis, maxWaitTime: 30 }, { StreamName: STREAM });
    await fixture.clients.s3.send(new CreateBucketCommand({ Bucket: SEQUENTIAL_BUCKET }));
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'alongside-'));

    realStart = Date.now();
    let replayFinished = false;
    const replaying = replay({ kinesis: fixture.clients.kinesis, streamName: STREAM, source: generatorSource(EVENTS), rate: REPLAY_RATE });
    const replayEnded = replaying.finally(() => {
      replayFinished = true;
    });
    [replayed, alongside] = await Promise.all([replaying, land({
      ...landingOptions(fixture.names.bronzeBucket),
      producerDone: replayEnded,
      pollIntervalMs: 100,
      onProgress: (p) => {
        if (replayFinished) return;
        duringReplay.read = p.read;
        duringReplay.delivered = p.landed + p.errors;
      },
    })]);
  }, 120_000);
  afterAll(async () => {
    await fixture?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** Each object's key against the arrival of its oldest record; returns the rows and raw error records landed. */
  async function checkLayout(bucket: string, landed: LandingResult): Promise<{ rows: string[]; errors: string[]; hours: Set<string> }> {
    const arrivalOf = new Map<string, Date>();
    for (const record of await readStreamRecords(fixture.clients.kinesis, STREAM)) {
      try {
        // Keyed by the whole row: a landed row may lack its uuid, and no two records are alike.
        arrivalOf.set(landedLine(Buffer.from(record.Data!).toString()), arrivalTime(record));
      } catch {
        // Not JSON: an error record, whose document carries its own arrival time.
      }
    }
    const keys = [...await listKeys(fixture.clients.s3, bucket, 'events/'), ...await listKeys(fixture.clients.s3, bucket, 'errors/')];
    expect(keys.sort()).toEqual(landed.objects.map((o) => o.key).sort());
    for (const key of keys) expect(key).toMatch(NAME);
    const hours = new Set(keys.map((k) => /year=.*hour=\d{2}/.exec(k)![0]));

    const parquetKeys = keys.filter((k) => k.endsWith('.parquet'));
    const files = await download(fixture.clients.s3, bucket, parquetKeys, tmp);
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    const rows: string[] = [];
    for (const [i, file] of files.entries()) {
      const objectRows = (await duck.runAndReadAll(`SELECT * FROM read_parquet('${file}')`)).getRowObjectsJS() as Array<Record<string, unknown>>;
      rows.push(...objectRows.map(canonical));
      const oldest = new Date(Math.min(...objectRows.map((r) => arrivalOf.get(canonical(r))!.getTime())));
      expect(parquetKeys[i].startsWith(renderBronzePrefix(oldest)), `${parquetKeys[i]}: oldest record arrived ${oldest.toISOString()}`).toBe(true);
    }
    duck.closeSync();

    const errors: string[] = [];
    for (const key of keys.filter((k) => k.startsWith('errors/'))) {
      const object = await fixture.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const docs = (await object.Body!.transformToString()).trimEnd().split('\n').map((l) => JSON.parse(l) as { rawData: string; arrivalTimestamp: number });
      errors.push(...docs.map((d) => Buffer.from(d.rawData, 'base64').toString()));
      const oldest = new Date(Math.min(...docs.map((d) => d.arrivalTimestamp)));
      expect(key.startsWith(renderBronzeErrorPrefix(FORMAT_CONVERSION_FAILED, oldest)), `${key}: oldest record arrived ${oldest.toISOString()}`).toBe(true);
    }
    return { rows, errors, hours };
  }

  it('reads the stream while the replay writes it, and lands every record once when the replay has finished', async () => {
    expect(replayed).toMatchObject({ read: EVENTS.count, sent: EVENTS.count, failed: 0 });
    expect(duringReplay.read).toBeGreaterThan(0);
    expect(duringReplay.delivered).toBeGreaterThan(0);
    expect(duringReplay.read).toBeLessThan(EVENTS.count);
    // sent -> read -> landed + errors, exactly.
    expect(alongside.read).toBe(replayed.sent);
    expect(alongside.landed + alongside.errors).toBe(alongside.read);
    expect(alongside.errors).toBe(expectedErrors.length);
    expect(alongside.shards.map((s) => s.read).reduce((a, b) => a + b)).toBe(alongside.read);
  });

  it('names every object after its oldest record\'s arrival hour, as landing afterwards does, with the same rows', async () => {
    const sequential = await land(landingOptions(SEQUENTIAL_BUCKET));
    expect(sequential).toMatchObject({ read: EVENTS.count, landed: alongside.landed, errors: alongside.errors });
    // Both read every shard to the same last record.
    expect(alongside.shards.map((s) => [s.shardId, s.lastSequenceNumber])).toEqual(sequential.shards.map((s) => [s.shardId, s.lastSequenceNumber]));

    const followed = await checkLayout(fixture.names.bronzeBucket, alongside);
    const after = await checkLayout(SEQUENTIAL_BUCKET, sequential);
    expect(multisetDifference(followed.rows, expectedRows)).toEqual({ missing: [], unexpected: [] });
    expect(multisetDifference(after.rows, expectedRows)).toEqual({ missing: [], unexpected: [] });
    expect(multisetDifference(followed.errors, expectedErrors)).toEqual({ missing: [], unexpected: [] });
    expect(multisetDifference(after.errors, expectedErrors)).toEqual({ missing: [], unexpected: [] });
    // Following the stream, objects were delivered as the arrival hours went by.
    expect(followed.hours.size).toBeGreaterThan(1);
  }, 120_000);
});
