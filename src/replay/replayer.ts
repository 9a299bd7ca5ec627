import { DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { batchRecords } from './batches';
import { ReplayManifest } from './manifest';
import { ReplayAccount, ReplayProgress, Sender, sendAll } from './put-records';
import { Rate, RateLimiter } from './rate-limiter';
import { KINESIS_LIMITS } from './records';
import { InvalidLineReport, ReplaySource, newestEventTime, shiftedSource } from './sources';
import { BackoffOptions } from '../timing/backoff';
import { Sleep, systemClock, sleep } from '../timing/clock';

export { LISTED_UNDELIVERED, ReplayProgress } from './put-records';

export interface ReplayOptions {
  readonly kinesis: KinesisClient;
  readonly streamName: string;
  readonly source: ReplaySource;
  /**
   * Records/s and bytes/s to stay under, or `unlimited`.
   * @default the stream's open shard count × 1,000 records/s and × 1 MiB/s (DescribeStreamSummary)
   */
  readonly rate?: Rate | 'unlimited';
  /** PutRecords calls in flight. @default {@link DEFAULT_CONCURRENCY} */
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
  /** @default systemClock */
  readonly clock?: () => number;
  /** @default the clock module's sleep */
  readonly sleep?: Sleep;
  /** Jitter source. @default Math.random */
  readonly random?: () => number;
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

/** PutRecords calls in flight unless told otherwise, against Kinesis and the emulator alike. */
export const DEFAULT_CONCURRENCY = 4;

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

/** The source to send: shifted so its newest event is `now` when asked to, with the shift in seconds. */
async function shiftIfAsked(options: ReplayOptions, now: number): Promise<{ source: ReplaySource; shiftSeconds: number }> {
  if (!options.shiftToNow) return { source: options.source, shiftSeconds: 0 };
  const newest = await newestEventTime(options.source);
  const shiftSeconds = newest === undefined ? 0 : Math.floor(now / 1000) - newest;
  return { source: shiftedSource(options.source, shiftSeconds), shiftSeconds };
}

/**
 * Replays records into a Kinesis stream with PutRecords and accounts for every one. A partial
 * failure re-sends only the entries that failed, with exponential backoff and full jitter, until
 * the attempts or the deadline run out; what is still undelivered is named in the result.
 * Errors that retrying cannot fix (missing stream, no permission) end the replay with an error.
 */
export async function replay(options: ReplayOptions): Promise<ReplayResult> {
  validateOptions(options);
  const clock = options.clock ?? systemClock;
  const pause: Sleep = options.sleep ?? sleep;
  const started = clock();
  const rate = await resolveRate(options);
  const { source, shiftSeconds } = await shiftIfAsked(options, started);
  const account = new ReplayAccount();
  const sender: Sender = {
    kinesis: options.kinesis,
    streamName: options.streamName,
    backoff: options.backoff,
    onProgress: options.onProgress,
    account,
    limiter: rate.basis === 'unlimited' ? undefined : new RateLimiter(rate, clock, pause),
    clock,
    pause,
    random: options.random ?? Math.random,
    maxAttempts: options.maxAttempts ?? 10,
    started,
    deadline: started + (options.deadlineMs ?? 3_600_000),
  };
  const counted = async function* () {
    for await (const record of source.records()) {
      account.counts.read++;
      yield record;
    }
  };
  const batches = batchRecords(counted(), {
    maxRecords: rate.recordsPerSecond ? Math.max(1, Math.floor(rate.recordsPerSecond)) : undefined,
    maxBytes: rate.bytesPerSecond ? Math.max(KINESIS_LIMITS.recordBytes, Math.floor(rate.bytesPerSecond)) : undefined,
  }, (record) => account.undeliver([record], 'RecordTooLarge'));
  await sendAll(sender, batches, options.concurrency ?? DEFAULT_CONCURRENCY);
  return replayResult(options, { account, rate, source, shiftSeconds, started, finished: clock() });
}

function replayResult(options: ReplayOptions, run: {
  readonly account: ReplayAccount;
  readonly rate: ReplayResult['rate'];
  readonly source: ReplaySource;
  readonly shiftSeconds: number;
  readonly started: number;
  readonly finished: number;
}): ReplayResult {
  const { account: { counts, manifest }, started, finished } = run;
  const seconds = Math.max(0.001, (finished - started) / 1000);
  return {
    streamName: options.streamName,
    ...counts,
    durationSeconds: Math.round(seconds * 1000) / 1000,
    recordsPerSecond: Math.round(counts.sent / seconds),
    bytesPerSecond: Math.round(counts.bytes / seconds),
    rate: run.rate,
    shiftSeconds: run.shiftSeconds,
    firstEventTime: manifest.firstEventTime,
    lastEventTime: manifest.lastEventTime,
    invalidLines: run.source.invalidLines?.(),
    undelivered: { count: counts.failed, first: run.account.listedIds, reasons: run.account.reasons },
    manifest: manifest.build({
      streamName: options.streamName,
      startedAt: new Date(started).toISOString(),
      finishedAt: new Date(finished).toISOString(),
      source: run.source.description,
      undeliveredUuids: run.account.undeliveredIds,
      undelivered: counts.failed,
      includeUuids: options.includeUuids,
    }),
  };
}
