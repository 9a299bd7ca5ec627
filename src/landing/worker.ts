import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand, Shard, _Record } from '@aws-sdk/client-kinesis';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CheckpointStore, ShardCheckpoints, s3CheckpointStore } from './checkpoints';
import { convertRecord } from './convert';
import { ParquetWriter } from './parquet';
import { FORMAT_CONVERSION_FAILED, renderBronzeErrorPrefix, renderBronzePrefix } from '../config/names';
import { Sleep } from '../timing/clock';

export interface LandingOptions {
  readonly kinesis: KinesisClient;
  readonly s3: S3Client;
  readonly streamName: string;
  readonly bucket: string;
  /** Object names start with it, as Firehose names objects after its delivery stream. */
  readonly deliveryStreamName: string;
  /** Named in error documents, as Firehose names the Glue table it converted through. */
  readonly table?: { readonly databaseName: string; readonly tableName: string; readonly region: string };
  /** @default an object in the bucket, `_landing/checkpoints/<stream>.json` */
  readonly checkpoints?: CheckpointStore;
  /** Start every shard from its oldest record, ignoring saved checkpoints. @default false */
  readonly fromOldest?: boolean;
  /** Flush when the buffered raw data reaches this size. @default 64 MiB (Firehose's minimum with format conversion) */
  readonly bufferSizeBytes?: number;
  /** Flush when the oldest buffered record has waited this long. @default 60,000 (Firehose's minimum with format conversion) */
  readonly bufferIntervalMs?: number;
  /** Records per GetRecords call. @default 10,000 */
  readonly getRecordsLimit?: number;
  /** Pause before asking a shard again when it returned nothing but is still behind. @default 1000 */
  readonly pollIntervalMs?: number;
  /** Where DuckDB writes before upload. @default the OS temp folder */
  readonly tempDir?: string;
  readonly onProgress?: (progress: LandingProgress) => void;
  /** @default Date.now */
  readonly clock?: () => number;
  /**
   * When a record arrived: each object is named after the oldest record in it (Firehose docs, "Custom
   * Prefixes for Amazon S3 Objects": the timestamp namespace is the approximate arrival time of the
   * oldest record in the object), so a buffer's Parquet and errors objects may differ in hour. A
   * simulation of many days gives simulated arrivals here.
   * @default the record's ApproximateArrivalTimestamp, else the clock
   */
  readonly arrivalTime?: (record: _Record) => Date;
  /** @default setTimeout */
  readonly sleep?: Sleep;
}

export interface LandingProgress {
  readonly read: number;
  readonly landed: number;
  readonly errors: number;
  readonly shardId: string;
}

export interface LandedObject {
  readonly key: string;
  readonly kind: 'parquet' | 'errors';
  readonly records: number;
  readonly bytes: number;
}

export interface ShardReport {
  readonly shardId: string;
  /** Records read from the shard in this run. */
  readonly read: number;
  /** The checkpoint the run started after; none means the shard's oldest record. */
  readonly startedAfter?: string;
  readonly lastSequenceNumber?: string;
}

export interface LandingResult {
  readonly streamName: string;
  readonly bucket: string;
  /** Records read from the stream in this run. */
  readonly read: number;
  /** Records written to Parquet under the events prefix. */
  readonly landed: number;
  /** Records written to the errors prefix. */
  readonly errors: number;
  readonly objects: readonly LandedObject[];
  readonly shards: readonly ShardReport[];
  readonly checkpointLocation: string;
  readonly durationSeconds: number;
  readonly eventsPerSecond: number;
}

interface Buffered {
  rows: Record<string, unknown>[];
  errors: string[];
  bytes: number;
  startedAt?: number;
  /** The oldest arrival among the rows, and among the errors: each object is named after its own oldest record. */
  oldestRowArrival?: Date;
  oldestErrorArrival?: Date;
  positions: ShardCheckpoints;
}

const emptyBuffer = (): Buffered => ({ rows: [], errors: [], bytes: 0, positions: {} });

const stamp = (at: Date) => at.toISOString().slice(0, 19).replace('T', '-').replace(/:/g, '-');

/** A landing in progress: its buffer, and what it has read, delivered and checkpointed so far. */
interface Landing {
  readonly options: LandingOptions;
  readonly clock: () => number;
  readonly store: CheckpointStore;
  readonly writer: ParquetWriter;
  readonly checkpoints: ShardCheckpoints;
  readonly objects: LandedObject[];
  readonly totals: { read: number; landed: number; errors: number };
  buffer: Buffered;
}

/**
 * The local stand-in for Firehose: reads every shard from its checkpoint (the oldest record
 * the first time) until it is caught up, converts each record to the event schema, and
 * delivers buffers as Snappy Parquet under the bronze prefix of their arrival time. Records
 * that do not convert go, with the reason, to the errors prefix. Checkpoints advance only
 * after a buffer's objects are written, so a crash re-lands records rather than losing them.
 */
export async function land(options: LandingOptions): Promise<LandingResult> {
  const clock = options.clock ?? Date.now;
  const store = options.checkpoints ?? s3CheckpointStore(options.s3, options.bucket, options.streamName);
  const started = clock();
  const saved = options.fromOldest ? {} : await store.load();
  const landing: Landing = {
    options,
    clock,
    store,
    checkpoints: { ...saved },
    objects: [],
    totals: { read: 0, landed: 0, errors: 0 },
    buffer: emptyBuffer(),
    writer: await ParquetWriter.open(options.tempDir),
  };
  const shardReport: ShardReport[] = [];
  try {
    for (const shard of await listShards(options.kinesis, options.streamName)) {
      shardReport.push(await landShard(landing, shard.ShardId!));
    }
    await deliver(landing);
  } finally {
    landing.writer.close();
  }
  const seconds = Math.max(0.001, (clock() - started) / 1000);
  return {
    streamName: options.streamName,
    bucket: options.bucket,
    ...landing.totals,
    objects: landing.objects,
    shards: shardReport,
    checkpointLocation: store.location,
    durationSeconds: Math.round(seconds * 1000) / 1000,
    eventsPerSecond: Math.round(landing.totals.read / seconds),
  };
}

/** Reads one shard from its checkpoint until it is caught up, delivering full or old buffers on the way. */
async function landShard(landing: Landing, shardId: string): Promise<ShardReport> {
  const { options, clock, checkpoints } = landing;
  const pause: Sleep = options.sleep ?? ((ms) => delay(ms));
  const bufferSize = options.bufferSizeBytes ?? 64 * 1024 * 1024;
  const bufferInterval = options.bufferIntervalMs ?? 60_000;
  const after = checkpoints[shardId];
  let read = 0;
  let iterator = await shardIterator(options, shardId, after);
  while (iterator) {
    const output = await options.kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: options.getRecordsLimit ?? 10_000 }));
    const records = output.Records ?? [];
    for (const record of records) {
      bufferRecord(landing, shardId, record);
      read++;
      if (landing.buffer.bytes >= bufferSize) await deliver(landing);
    }
    if (landing.buffer.startedAt !== undefined && clock() - landing.buffer.startedAt >= bufferInterval) await deliver(landing);
    options.onProgress?.({ ...landing.totals, shardId });
    iterator = output.NextShardIterator;
    if (records.length === 0) {
      if ((output.MillisBehindLatest ?? 0) === 0) break;
      await pause(options.pollIntervalMs ?? 1000);
    }
  }
  return { shardId, read, startedAfter: after, lastSequenceNumber: landing.buffer.positions[shardId] ?? checkpoints[shardId] };
}

/** Converts a record into the buffer's rows, or its errors with the reason as Firehose writes them. */
function bufferRecord(landing: Landing, shardId: string, record: _Record): void {
  const { options, clock, buffer } = landing;
  const data = record.Data ?? new Uint8Array();
  const arrival = options.arrivalTime?.(record) ?? record.ApproximateArrivalTimestamp ?? new Date(clock());
  const conversion = convertRecord(data);
  if (conversion.ok) {
    buffer.rows.push(conversion.row);
    if (!buffer.oldestRowArrival || arrival < buffer.oldestRowArrival) buffer.oldestRowArrival = arrival;
  } else {
    if (!buffer.oldestErrorArrival || arrival < buffer.oldestErrorArrival) buffer.oldestErrorArrival = arrival;
    buffer.errors.push(JSON.stringify({
      attemptsMade: 1,
      arrivalTimestamp: arrival.getTime(),
      errorCode: conversion.errorCode,
      errorMessage: conversion.errorMessage,
      attemptEndingTimestamp: clock(),
      rawData: Buffer.from(data).toString('base64'),
      sequenceNumber: record.SequenceNumber,
      subSequenceNumber: null,
      dataCatalogTable: options.table ?? null,
    }));
  }
  buffer.bytes += data.length;
  buffer.startedAt ??= clock();
  buffer.positions[shardId] = record.SequenceNumber!;
  landing.totals.read++;
}

/** Writes the buffer's objects, then advances the checkpoints past its records and empties it. */
async function deliver(landing: Landing): Promise<void> {
  const { options, clock, buffer, totals } = landing;
  if (buffer.rows.length + buffer.errors.length === 0) return;
  const put = async (key: string, body: Buffer, kind: LandedObject['kind'], records: number) => {
    await options.s3.send(new PutObjectCommand({ Bucket: options.bucket, Key: key, Body: body }));
    landing.objects.push({ key, kind, records, bytes: body.length });
  };
  const name = `${options.deliveryStreamName}-1-${stamp(new Date(clock()))}-${randomUUID()}`;
  if (buffer.oldestRowArrival) {
    await put(`${renderBronzePrefix(buffer.oldestRowArrival)}${name}.parquet`, await landing.writer.write(buffer.rows), 'parquet', buffer.rows.length);
  }
  if (buffer.oldestErrorArrival) {
    await put(`${renderBronzeErrorPrefix(FORMAT_CONVERSION_FAILED, buffer.oldestErrorArrival)}${name}`, Buffer.from(`${buffer.errors.join('\n')}\n`), 'errors', buffer.errors.length);
  }
  Object.assign(landing.checkpoints, buffer.positions);
  await landing.store.save(landing.checkpoints);
  totals.landed += buffer.rows.length;
  totals.errors += buffer.errors.length;
  landing.buffer = emptyBuffer();
}

/** Every shard, closed ones included (their records still need landing); the SDK has no paginator for ListShards. */
async function listShards(kinesis: KinesisClient, streamName: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let nextToken: string | undefined;
  do {
    // ListShards refuses StreamName together with NextToken.
    const page = await kinesis.send(new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: streamName }));
    shards.push(...(page.Shards ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return shards;
}

async function shardIterator(options: LandingOptions, shardId: string, after: string | undefined): Promise<string | undefined> {
  try {
    const output = await options.kinesis.send(new GetShardIteratorCommand({
      StreamName: options.streamName,
      ShardId: shardId,
      ...(after ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: after } : { ShardIteratorType: 'TRIM_HORIZON' }),
    }));
    return output.ShardIterator;
  } catch (e) {
    if (after && (e as Error).name === 'InvalidArgumentException') {
      throw new Error(`The checkpoint of ${shardId} (after ${after}) does not match stream ${options.streamName}: ${(e as Error).message} Land from the oldest record with --from-oldest.`);
    }
    throw e;
  }
}
