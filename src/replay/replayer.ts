import { setTimeout as delay } from 'node:timers/promises';
import { DescribeStreamSummaryCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { batchRecords } from './batches';
import { ManifestBuilder, ReplayManifest } from './manifest';
import { Rate, RateLimiter } from './rate-limiter';
import { KINESIS_LIMITS, ReplayRecord } from './records';
import { InvalidLineReport, ReplaySource, newestEventTime, shiftedSource } from './sources';
import { BackoffOptions, jitteredDelay } from '../timing/backoff';
import { Sleep } from '../timing/clock';

export interface ReplayOptions {
  readonly kinesis: KinesisClient;
  readonly streamName: string;
  readonly source: ReplaySource;
  /**
   * Records/s and bytes/s to stay under, or `unlimited`.
   * @default the stream's open shard count × 1,000 records/s and × 1 MiB/s (DescribeStreamSummary)
   */
  readonly rate?: Rate | 'unlimited';
  /** PutRecords calls in flight. @default 4 (use {@link EMULATOR_CONCURRENCY} against the emulator) */
  readonly concurrency?: number;
  /** Attempts per record, the first send included. @default 10 */
  readonly maxAttempts?: number;
  /** Delays between retries of failed entries, with full jitter. @default 100 ms doubling to 5 s */
  readonly backoff?: BackoffOptions;
  /** After this long nothing more is sent or retried; what is left is undelivered. @default 3,600,000 (1 h) */
  readonly deadlineMs?: number;
  /** Shift every timestamp so the newest event is now. @default false */
  readonly shiftToNow?: boolean;
  /** List every distinct valid uuid in the manifest. @default false */
  readonly includeUuids?: boolean;
  /** Called after every PutRecords call. */
  readonly onProgress?: (progress: ReplayProgress) => void;
  /** @default Date.now */
  readonly clock?: () => number;
  /** @default setTimeout */
  readonly sleep?: Sleep;
  /** Jitter source. @default Math.random */
  readonly random?: () => number;
}

export interface ReplayProgress {
  readonly sent: number;
  readonly failed: number;
  readonly retried: number;
  readonly throttled: number;
  readonly elapsedMs: number;
}

/** What a replay did: the accounting at the end. */
export interface ReplayResult {
  readonly streamName: string;
  /** Records taken from the source (invalid file lines that were not sent excluded). */
  readonly read: number;
  /** Delivered to the stream (Kinesis returned a sequence number). */
  readonly sent: number;
  /** Not delivered: failed every attempt, ran into the deadline, or over the 1 MiB record limit. */
  readonly failed: number;
  /** Re-sends of entries that failed an attempt. */
  readonly retried: number;
  /** Entries refused for throughput (per entry, or the whole call). */
  readonly throttled: number;
  /** Bytes delivered (data and partition keys). */
  readonly bytes: number;
  readonly durationSeconds: number;
  readonly recordsPerSecond: number;
  readonly bytesPerSecond: number;
  readonly rate: Rate & { readonly basis: 'shards' | 'given' | 'unlimited'; readonly shards?: number };
  readonly shiftSeconds: number;
  readonly firstEventTime?: string;
  readonly lastEventTime?: string;
  readonly invalidLines?: InvalidLineReport;
  readonly undelivered: {
    readonly count: number;
    /** uuids (or `line N` when a record has none) of the first undelivered records. */
    readonly first: readonly string[];
    /** Last error code per undelivered record, counted. */
    readonly reasons: Readonly<Record<string, number>>;
  };
  readonly manifest: ReplayManifest;
}

/**
 * PutRecords calls in flight against the emulator: moto assigns Kinesis sequence numbers
 * without a lock, so concurrent calls overwrite each other's records (and it still answers
 * with sequence numbers). Seen: 40,000 sent with 4 in flight, 38,984 in the stream.
 */
export const EMULATOR_CONCURRENCY = 1;

/** How many undelivered records the result names. */
export const LISTED_UNDELIVERED = 10;

const THROTTLING = new Set(['ProvisionedThroughputExceededException', 'LimitExceededException', 'ThrottlingException', 'KMSThrottlingException']);
const TRANSIENT = new Set(['InternalFailure', 'InternalFailureException', 'ServiceUnavailable', 'ServiceUnavailableException', 'RequestTimeout', 'TimeoutError']);
const NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN']);

interface SdkError {
  readonly name?: string;
  readonly code?: string;
  readonly $retryable?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

function retryable(error: SdkError): boolean {
  const name = error.name ?? '';
  return THROTTLING.has(name) || TRANSIENT.has(name) || NETWORK.has(error.code ?? '') || error.$retryable !== undefined
    || (error.$metadata?.httpStatusCode ?? 0) >= 500;
}

async function resolveRate(options: ReplayOptions): Promise<ReplayResult['rate']> {
  if (options.rate === 'unlimited') return { basis: 'unlimited' };
  if (options.rate) return { ...options.rate, basis: 'given' };
  const summary = await options.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: options.streamName }));
  const shards = summary.StreamDescriptionSummary?.OpenShardCount ?? 1;
  return {
    basis: 'shards',
    shards,
    recordsPerSecond: shards * KINESIS_LIMITS.shardRecordsPerSecond,
    bytesPerSecond: shards * KINESIS_LIMITS.shardBytesPerSecond,
  };
}

function validateOptions(options: ReplayOptions): void {
  const problems: string[] = [];
  if (!options.streamName) problems.push('streamName must not be empty');
  if (options.concurrency !== undefined && !(Number.isInteger(options.concurrency) && options.concurrency >= 1 && options.concurrency <= 64)) {
    problems.push('concurrency must be a whole number from 1 to 64');
  }
  if (options.maxAttempts !== undefined && !(Number.isInteger(options.maxAttempts) && options.maxAttempts >= 1)) problems.push('maxAttempts must be a whole number >= 1');
  if (options.deadlineMs !== undefined && !(options.deadlineMs > 0)) problems.push('deadlineMs must be positive');
  if (options.rate && options.rate !== 'unlimited') {
    for (const [key, value] of Object.entries(options.rate)) {
      if (value !== undefined && !(typeof value === 'number' && value > 0)) problems.push(`rate.${key} must be a positive number`);
    }
  }
  if (problems.length > 0) throw new Error(`Invalid replay options: ${problems.join('; ')}.`);
}

/**
 * Replays records into a Kinesis stream with PutRecords and accounts for every one. A partial
 * failure re-sends only the entries that failed, with exponential backoff and full jitter, until
 * the attempts or the deadline run out; what is still undelivered is named in the result.
 * Errors that retrying cannot fix (missing stream, no permission) end the replay with an error.
 */
export async function replay(options: ReplayOptions): Promise<ReplayResult> {
  validateOptions(options);
  const clock = options.clock ?? Date.now;
  const pause: Sleep = options.sleep ?? ((ms) => delay(ms));
  const random = options.random ?? Math.random;
  const maxAttempts = options.maxAttempts ?? 10;
  const started = clock();
  const deadline = started + (options.deadlineMs ?? 3_600_000);
  const rate = await resolveRate(options);
  const limiter = rate.basis === 'unlimited' ? undefined : new RateLimiter(rate, clock, pause);

  let source = options.source;
  let shiftSeconds = 0;
  if (options.shiftToNow) {
    const newest = await newestEventTime(source);
    if (newest !== undefined) shiftSeconds = Math.floor(started / 1000) - newest;
    source = shiftedSource(source, shiftSeconds);
  }

  const manifest = new ManifestBuilder();
  const counts = { read: 0, sent: 0, failed: 0, retried: 0, throttled: 0, bytes: 0 };
  const undeliveredIds: string[] = [];
  const listedIds: string[] = [];
  const reasons: Record<string, number> = {};
  const undeliver = (records: readonly ReplayRecord[], reason: string) => {
    for (const r of records) {
      counts.failed++;
      reasons[reason] = (reasons[reason] ?? 0) + 1;
      const id = r.uuid ?? (r.lineNumber !== undefined ? `line ${r.lineNumber}` : '(no uuid)');
      undeliveredIds.push(id);
      if (listedIds.length < LISTED_UNDELIVERED) listedIds.push(id);
    }
  };
  const progress = () => options.onProgress?.({
    sent: counts.sent, failed: counts.failed, retried: counts.retried, throttled: counts.throttled, elapsedMs: clock() - started,
  });

  const putWithRetries = async (batch: ReplayRecord[]) => {
    let pending = batch;
    for (let attempt = 1; ; attempt++) {
      await limiter?.acquire(pending.length, pending.reduce((n, r) => n + r.size, 0));
      const failed: ReplayRecord[] = [];
      let reason = '';
      try {
        const output = await options.kinesis.send(new PutRecordsCommand({
          StreamName: options.streamName,
          Records: pending.map((r) => ({ Data: r.data, PartitionKey: r.partitionKey })),
        }));
        const results = output.Records ?? [];
        pending.forEach((record, i) => {
          const result = results[i];
          if (result?.SequenceNumber && !result.ErrorCode) {
            counts.sent++;
            counts.bytes += record.size;
            manifest.recordDelivered(record);
            return;
          }
          reason = result?.ErrorCode ?? 'NoResultForEntry';
          if (THROTTLING.has(reason)) counts.throttled++;
          failed.push(record);
        });
      } catch (e) {
        const error = e as SdkError & Error;
        if (!retryable(error)) {
          throw new Error(`PutRecords to ${options.streamName} failed with ${error.name}: ${error.message} (${counts.sent} records delivered before).`);
        }
        reason = error.name || error.code || 'NetworkError';
        if (THROTTLING.has(reason)) counts.throttled += pending.length;
        failed.push(...pending);
      }
      progress();
      if (failed.length === 0) return;
      if (attempt >= maxAttempts) return undeliver(failed, reason);
      const backoff = jitteredDelay(attempt - 1, random, options.backoff);
      if (clock() + backoff >= deadline) return undeliver(failed, 'DeadlineExceeded');
      await pause(backoff);
      counts.retried += failed.length;
      pending = failed;
    }
  };

  const counted = async function* () {
    for await (const record of source.records()) {
      counts.read++;
      yield record;
    }
  };
  const batches = batchRecords(counted(), {
    maxRecords: rate.recordsPerSecond ? Math.max(1, Math.floor(rate.recordsPerSecond)) : undefined,
    maxBytes: rate.bytesPerSecond ? Math.max(KINESIS_LIMITS.recordBytes, Math.floor(rate.bytesPerSecond)) : undefined,
  }, (record) => undeliver([record], 'RecordTooLarge'));

  let fatal: Error | undefined;
  const worker = async () => {
    for (;;) {
      if (fatal) return;
      const next = await batches.next();
      if (next.done) return;
      if (clock() >= deadline) {
        undeliver(next.value, 'DeadlineExceeded');
        continue;
      }
      try {
        await putWithRetries(next.value);
      } catch (e) {
        fatal = fatal ?? (e as Error);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
  if (fatal) throw fatal;

  const finished = clock();
  const seconds = Math.max(0.001, (finished - started) / 1000);
  return {
    streamName: options.streamName,
    ...counts,
    durationSeconds: Math.round(seconds * 1000) / 1000,
    recordsPerSecond: Math.round(counts.sent / seconds),
    bytesPerSecond: Math.round(counts.bytes / seconds),
    rate,
    shiftSeconds,
    firstEventTime: manifest.firstEventTime,
    lastEventTime: manifest.lastEventTime,
    invalidLines: source.invalidLines?.(),
    undelivered: { count: counts.failed, first: listedIds, reasons },
    manifest: manifest.build({
      streamName: options.streamName,
      startedAt: new Date(started).toISOString(),
      finishedAt: new Date(finished).toISOString(),
      source: source.description,
      undeliveredUuids: undeliveredIds,
      undelivered: counts.failed,
      includeUuids: options.includeUuids,
    }),
  };
}
