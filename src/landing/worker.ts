import { randomUUID } from 'node:crypto';
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand, Shard, _Record } from '@aws-sdk/client-kinesis';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CheckpointStore, ShardCheckpoints, s3CheckpointStore } from './checkpoints';
import { convertRecord } from './convert';
import { ParquetWriter } from './parquet';
import { FORMAT_CONVERSION_FAILED, renderBronzeErrorPrefix, renderBronzePrefix } from '../config/names';
import { Sleep, sleep, systemClock } from '../timing/clock';

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
  /**
   * Pause before asking the shards again when none of them returned anything but the landing goes
   * on (a shard still behind, or the producer still writing). @default 1000 (well inside the five
   * GetRecords calls per second a shard allows: Kinesis API reference, "GetRecords")
   */
  readonly pollIntervalMs?: number;
  /**
   * Follow the stream while its producer writes it, as Firehose lands while producers put: keep
   * reading every shard until this settles (the producer finished, or failed), then until every
   * shard is drained. Without it the landing ends as soon as every shard is caught up.
   */
  readonly producerDone?: PromiseLike<unknown>;
  /**
   * Stops the landing between reads and during its pauses, with an error. What was read but not
   * delivered is read again by the next landing: checkpoints advance only past delivered records.
   */
  readonly signal?: AbortSignal;
  /** Where DuckDB writes before upload. @default the OS temp folder */
  readonly tempDir?: string;
  readonly onProgress?: (progress: LandingProgress) => void;
  /** @default systemClock */
  readonly clock?: () => number;
  /**
   * When a record arrived: each object is named after the oldest record in it (Firehose docs, "Custom
   * Prefixes for Amazon S3 Objects": the timestamp namespace is the approximate arrival time of the
   * oldest record in the object), so a buffer's Parquet and errors objects may differ in hour. A
   * simulation of many days gives simulated arrivals here.
   * @default the record's ApproximateArrivalTimestamp, else the clock
   */
  readonly arrivalTime?: (record: _Record) => Date;
  /** @default the clock module's sleep */
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
  readonly pause: Sleep;
  readonly store: CheckpointStore;
  readonly writer: ParquetWriter;
  readonly checkpoints: ShardCheckpoints;
  readonly objects: LandedObject[];
  readonly totals: { read: number; landed: number; errors: number };
  buffer: Buffered;
}

/** One shard as the landing reads it. */
interface ShardReader {
  readonly shardId: string;
  readonly startedAfter?: string;
  /** Undefined once a closed shard has been read to its end. */
  iterator?: string;
  read: number;
}

/**
 * The local stand-in for Firehose: reads every shard from its checkpoint (the oldest record
 * the first time), a call per shard in turn, until all are caught up (with `producerDone`: until
 * the producer has finished too), converts each record to the event schema, and delivers buffers
 * as Snappy Parquet under the bronze prefix of their arrival time. Records that do not convert
 * go, with the reason, to the errors prefix. Checkpoints advance only after a buffer's objects
 * are written, so a crash re-lands records rather than losing them.
 */
export async function land(options: LandingOptions): Promise<LandingResult> {
  const clock = options.clock ?? systemClock;
  const store = options.checkpoints ?? s3CheckpointStore(options.s3, options.bucket, options.streamName);
  const started = clock();
  const saved = options.fromOldest ? {} : await store.load();
  const landing: Landing = {
    options,
    clock,
    pause: options.sleep ?? sleep,
    store,
    checkpoints: { ...saved },
    objects: [],
    totals: { read: 0, landed: 0, errors: 0 },
    buffer: emptyBuffer(),
    writer: await ParquetWriter.open(options.tempDir),
  };
  let readers: ShardReader[] = [];
  try {
    stopIfAborted(options.signal);
    readers = await openShards(landing, await listShards(options.kinesis, options.streamName));
    await readShards(landing, readers);
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
    shards: readers.map((r) => ({
      shardId: r.shardId, read: r.read, startedAfter: r.startedAfter, lastSequenceNumber: landing.checkpoints[r.shardId],
    })),
    checkpointLocation: store.location,
    durationSeconds: Math.round(seconds * 1000) / 1000,
    eventsPerSecond: Math.round(landing.totals.read / seconds),
  };
}

function stopIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new Error(`The landing was stopped (${String(signal.reason ?? 'abort')}); what it read but did not deliver is read again by the next landing.`);
  }
}

/** A reader per shard, each positioned after its checkpoint (at its oldest record without one). */
async function openShards(landing: Landing, shards: readonly Shard[]): Promise<ShardReader[]> {
  return Promise.all(shards.map(async (shard) => {
    const shardId = shard.ShardId!;
    const startedAfter = landing.checkpoints[shardId];
    return { shardId, startedAfter, iterator: await shardIterator(landing.options, shardId, startedAfter), read: 0 };
  }));
}

/**
 * Reads the shards in turn, a GetRecords call each per pass, delivering full or old buffers on the
 * way, until a pass finds nothing new and nothing behind, and (when following a producer) that
 * pass began after the producer finished: every record it put is then read.
 */
async function readShards(landing: Landing, readers: readonly ShardReader[]): Promise<void> {
  const { options } = landing;
  let producerFinished = options.producerDone === undefined;
  const wake = new AbortController();
  const finish = () => {
    producerFinished = true;
    wake.abort();
  };
  options.producerDone?.then(finish, finish);
  for (;;) {
    const finishedBeforePass = producerFinished;
    let records = 0;
    let behind = false;
    for (const reader of readers.filter((r) => r.iterator !== undefined)) {
      const output = await readOnce(landing, reader);
      records += output.records;
      behind ||= output.millisBehindLatest > 0;
    }
    if (readers.every((r) => r.iterator === undefined)) return;
    if (records > 0) continue;
    if (!behind && finishedBeforePass) return;
    // Nothing new: wait, but no longer than until the producer finishes (then one more pass drains).
    const signals = [options.signal, producerFinished ? undefined : wake.signal].filter((s): s is AbortSignal => s !== undefined);
    await landing.pause(options.pollIntervalMs ?? 1000, signals.length > 0 ? AbortSignal.any(signals) : undefined);
  }
}

/** One GetRecords call on a shard: its records buffered, a full or old buffer delivered. */
async function readOnce(landing: Landing, reader: ShardReader): Promise<{ records: number; millisBehindLatest: number }> {
  const { options, clock } = landing;
  const bufferSize = options.bufferSizeBytes ?? 64 * 1024 * 1024;
  const bufferInterval = options.bufferIntervalMs ?? 60_000;
  stopIfAborted(options.signal);
  const output = await options.kinesis.send(new GetRecordsCommand({ ShardIterator: reader.iterator, Limit: options.getRecordsLimit ?? 10_000 }));
  const records = output.Records ?? [];
  for (const record of records) {
    bufferRecord(landing, reader.shardId, record);
    reader.read++;
    if (landing.buffer.bytes >= bufferSize) await deliver(landing);
  }
  if (landing.buffer.startedAt !== undefined && clock() - landing.buffer.startedAt >= bufferInterval) await deliver(landing);
  options.onProgress?.({ ...landing.totals, shardId: reader.shardId });
  reader.iterator = output.NextShardIterator;
  return { records: records.length, millisBehindLatest: output.MillisBehindLatest ?? 0 };
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
    // The document's members as the Developer Guide's "Handle errors for data format conversion" lists
    // them (ErrorCode, ErrorMessage capitalized); floci-io/floci #3333 saw AWS write lastErrorCode and
    // lastErrorMessage instead: a reader of errors/ should accept both.
    buffer.errors.push(JSON.stringify({
      attemptsMade: 1,
      arrivalTimestamp: arrival.getTime(),
      ErrorCode: conversion.errorCode,
      ErrorMessage: conversion.errorMessage,
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
