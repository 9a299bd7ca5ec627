import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DescribeStreamSummaryCommand, KinesisClient, PutRecordsCommand, PutRecordsCommandInput, PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateJsonl } from '../../src/events/generator';
import { seededRandom } from '../../src/events/random';
import { replay, ReplayOptions } from '../../src/replay/replayer';
import { fileSource, generatorSource } from '../../src/replay/sources';

const kinesisMock = mockClient(KinesisClient);

/** A fake clock that sleeping advances, so backoff and pacing cost no real time. */
function fakeTime(start = Date.UTC(2026, 10, 24)) {
  let now = start;
  const slept: number[] = [];
  return {
    clock: () => now,
    sleep: async (ms: number) => {
      slept.push(ms);
      now += ms;
    },
    slept,
  };
}

function throttled(): Error {
  return Object.assign(new Error('Rate exceeded for stream'), { name: 'ProvisionedThroughputExceededException', $metadata: { httpStatusCode: 400 } });
}

/** A stream fake: accepts entries, remembering every delivered payload, with faults decided per call. */
function fakeStream(
  fault: (entry: { Data?: Uint8Array; PartitionKey?: string }, call: number) => string | undefined,
  wholeCall?: (call: number) => Error | undefined,
) {
  const delivered: string[] = [];
  const sentPerCall: number[] = [];
  let calls = 0;
  kinesisMock.on(PutRecordsCommand).callsFake(async (input: PutRecordsCommandInput): Promise<Partial<PutRecordsCommandOutput>> => {
    calls++;
    sentPerCall.push(input.Records!.length);
    const error = wholeCall?.(calls);
    if (error) throw error;
    let failed = 0;
    const records = input.Records!.map((entry, i) => {
      const code = fault(entry, calls);
      if (code) {
        failed++;
        return { ErrorCode: code, ErrorMessage: 'injected' };
      }
      delivered.push(Buffer.from(entry.Data!).toString());
      return { SequenceNumber: `${calls}-${i}`, ShardId: 'shardId-000000000000' };
    });
    return { FailedRecordCount: failed, Records: records };
  });
  return { delivered, sentPerCall, calls: () => calls };
}

const baseOptions = (time: ReturnType<typeof fakeTime>): Omit<ReplayOptions, 'source'> => ({
  kinesis: new KinesisClient({ region: 'us-east-1' }),
  streamName: 'test-stream',
  rate: 'unlimited',
  clock: time.clock,
  sleep: time.sleep,
  random: () => 0.5,
});

describe('replay', () => {
  beforeEach(() => kinesisMock.reset());
  afterEach(() => kinesisMock.reset());

  it('re-sends only failed entries after per-entry and whole-call throttling, and loses nothing', async () => {
    const faults = seededRandom(7);
    const stream = fakeStream(
      (_entry, call) => (call < 40 && faults.next() < 0.3 ? (faults.next() < 0.8 ? 'ProvisionedThroughputExceededException' : 'InternalFailure') : undefined),
      (call) => (call % 5 === 2 ? throttled() : undefined),
    );
    const options = { count: 5000, seed: 3, duplicateRate: 0.05 };
    const time = fakeTime();
    const result = await replay({ ...baseOptions(time), source: generatorSource(options) });

    const expected = generateJsonl(options).trimEnd().split('\n');
    expect(result.failed).toBe(0);
    expect(result.sent).toBe(expected.length);
    // Each record is the JSON document and a newline, as the seed's producer sends it.
    expect(stream.delivered.sort()).toEqual(expected.map((line) => `${line}\n`).sort());
    expect(result.retried).toBeGreaterThan(0);
    expect(result.throttled).toBeGreaterThan(0);
    // Every entry sent is either a first send or a counted retry.
    expect(stream.sentPerCall.reduce((a, b) => a + b, 0)).toBe(expected.length + result.retried);
    expect(stream.sentPerCall.every((n) => n <= 500)).toBe(true);
    expect(time.slept.length).toBeGreaterThan(0);
    expect(result.manifest.counts.duplicatesDelivered).toBeGreaterThan(0);
    expect(result.manifest.counts.distinctValidUuids).toBe(new Set(expected.map((l) => JSON.parse(l).uuid)).size);
  });

  it('ends with the undelivered list when a fault never clears', async () => {
    const stream = fakeStream((entry) => (entry.PartitionKey === '1001' ? 'ProvisionedThroughputExceededException' : undefined));
    const time = fakeTime();
    const result = await replay({ ...baseOptions(time), source: generatorSource({ count: 2000, seed: 5 }), maxAttempts: 4 });
    const stuck = generateJsonl({ count: 2000, seed: 5 }).trimEnd().split('\n').map((l) => JSON.parse(l)).filter((e) => e.sensor_id === 1001);
    expect(stuck.length).toBeGreaterThan(0);
    expect(result.failed).toBe(stuck.length);
    expect(result.sent + result.failed).toBe(2000);
    expect(stream.delivered.length).toBe(result.sent);
    expect(result.undelivered.first).toEqual(stuck.slice(0, 10).map((e) => e.uuid));
    expect(result.undelivered.reasons).toEqual({ ProvisionedThroughputExceededException: stuck.length });
    expect(result.manifest.undeliveredUuids).toHaveLength(stuck.length);
    expect(result.retried).toBe(stuck.length * 3);
  });

  it('stops retrying at the deadline and says so', async () => {
    fakeStream(() => undefined, () => throttled());
    const time = fakeTime();
    const result = await replay({
      ...baseOptions(time),
      source: generatorSource({ count: 1200 }),
      maxAttempts: 100,
      deadlineMs: 2000,
      backoff: { initialMs: 400, maxMs: 400 },
    });
    expect(result.sent).toBe(0);
    expect(result.failed).toBe(1200);
    expect(result.undelivered.reasons).toEqual({ DeadlineExceeded: 1200 });
    expect(time.clock() - Date.UTC(2026, 10, 24)).toBeLessThanOrEqual(2000);
  });

  it('fails fast on an error retrying cannot fix', async () => {
    kinesisMock.on(PutRecordsCommand).rejects(Object.assign(new Error('Stream test-stream not found'), { name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 400 } }));
    await expect(replay({ ...baseOptions(fakeTime()), source: generatorSource({ count: 10 }) })).rejects.toThrow(/ResourceNotFoundException.*0 records delivered/);
  });

  it('paces to the shard count of the stream by default', async () => {
    kinesisMock.on(DescribeStreamSummaryCommand).resolves({ StreamDescriptionSummary: { OpenShardCount: 2 } as never });
    const stream = fakeStream(() => undefined);
    const time = fakeTime();
    const result = await replay({ ...baseOptions(time), rate: undefined, source: generatorSource({ count: 10_000 }) });
    expect(result.rate).toMatchObject({ basis: 'shards', shards: 2, recordsPerSecond: 2000, bytesPerSecond: 2 * 1024 * 1024 });
    expect(result.sent).toBe(10_000);
    // 10,000 records at 2,000/s: the last batch may start after 4.5 s of paid-for time.
    expect(time.slept.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(4400);
    expect(Math.max(...stream.sentPerCall)).toBeLessThanOrEqual(500);
  });

  it('keeps batches under 5 MiB and refuses records over 1 MiB by name', async () => {
    const stream = fakeStream(() => undefined);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'replay-'));
    const big = (i: number, size: number) => JSON.stringify({ sensor_id: 1, temperature: 1, humidity: 1, location: { latitude: 1, longitude: 1 }, status: 'x'.repeat(size), event_type: 'e', timestamp: 1, uuid: `u${i}` });
    const lines = [...Array.from({ length: 30 }, (_, i) => big(i, 400_000)), big(99, 1_100_000)];
    fs.writeFileSync(path.join(dir, 'big.jsonl'), lines.join('\n'));
    const result = await replay({ ...baseOptions(fakeTime()), source: fileSource({ file: path.join(dir, 'big.jsonl') }) });
    expect(result.sent).toBe(30);
    expect(result.undelivered).toMatchObject({ count: 1, first: ['u99'], reasons: { RecordTooLarge: 1 } });
    expect(Math.max(...stream.sentPerCall)).toBe(13);
  });

  it('reports invalid file lines by number and sends them only when asked', async () => {
    const stream = fakeStream(() => undefined);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'replay-'));
    const file = path.join(dir, 'events.jsonl');
    const good = generateJsonl({ count: 3 }).trimEnd().split('\n');
    fs.writeFileSync(file, [good[0], '{"sensor_id": 1', good[1], '', JSON.stringify({ ...JSON.parse(good[2]), humidity: 140 })].join('\n'));
    const skipped = await replay({ ...baseOptions(fakeTime()), source: fileSource({ file }) });
    expect(skipped.sent).toBe(2);
    expect(skipped.invalidLines?.count).toBe(2);
    expect(skipped.invalidLines?.lines.map((l) => l.lineNumber)).toEqual([2, 5]);
    expect(skipped.invalidLines?.lines[1].reason).toMatch(/humidity/);
    const sent = await replay({ ...baseOptions(fakeTime()), source: fileSource({ file, sendInvalid: true }) });
    expect(sent.sent).toBe(4);
    expect(sent.manifest.counts.invalidDelivered).toBe(2);
    expect(stream.delivered).toHaveLength(6);
  });

  it('shifts timestamps so the newest event is now', async () => {
    const stream = fakeStream(() => undefined);
    const time = fakeTime(Date.UTC(2027, 0, 15, 12));
    const result = await replay({ ...baseOptions(time), source: generatorSource({ count: 500, duplicateRate: 0.1 }), shiftToNow: true });
    const timestamps = stream.delivered.map((l) => JSON.parse(l).timestamp as number);
    expect(Math.max(...timestamps)).toBe(Date.UTC(2027, 0, 15, 12) / 1000);
    expect(result.lastEventTime).toBe('2027-01-15T12:00:00.000Z');
    expect(result.manifest.counts.duplicatesDelivered).toBeGreaterThan(0);
  });

  it('rejects options that cannot work before any call', async () => {
    await expect(replay({ ...baseOptions(fakeTime()), source: generatorSource({ count: 1 }), concurrency: 0 })).rejects.toThrow(/concurrency must be/);
    expect(kinesisMock.calls()).toHaveLength(0);
  });
});
