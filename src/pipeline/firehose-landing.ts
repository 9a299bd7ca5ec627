import { DescribeDeliveryStreamCommand, FirehoseClient } from '@aws-sdk/client-firehose';
import { S3Client, paginateListObjectsV2 } from '@aws-sdk/client-s3';
import { RunStoppedError, StageError } from './stages';
import { FORMAT_CONVERSION_FAILED, renderBronzeErrorPrefix, renderBronzePrefix } from '../config/names';
import { fixedInterval } from '../timing/backoff';
import { Clock, Sleep, sleep as realSleep, systemClock } from '../timing/clock';
import { Poll, pollUntil } from '../timing/poll';

const HOUR_MS = 3_600_000;

export interface FirehoseLandingOptions {
  readonly deliveryStreamName: string;
  /** The bronze bucket the delivery stream writes to. */
  readonly bucket: string;
  /** When the replay started (epoch ms): older objects are not this run's. */
  readonly since: number;
  /** When the replay's last PutRecords returned (epoch ms): Firehose flushes a buffer interval after it. */
  readonly lastPutAt: number;
  /** Give up (and fail) this long after the wait began. */
  readonly timeoutMs: number;
  /**
   * Extra wait past the buffer interval, for Firehose's conversion and upload.
   * @default 30_000
   */
  readonly graceMs?: number;
  /**
   * Pause between listings.
   * @default 10_000
   */
  readonly pollIntervalMs?: number;
  /** Stops the wait between listings. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: FirehoseLandingProgress) => void;
}

export interface FirehoseLandingDeps {
  readonly firehose: Pick<FirehoseClient, 'send'>;
  readonly s3: S3Client;
  /** @default systemClock */
  readonly clock?: Clock;
  /** @default a timer that ends early on abort */
  readonly sleep?: Sleep;
}

export interface FirehoseLandingProgress {
  readonly objects: number;
  readonly bytes: number;
  readonly errorObjects: number;
  /** Seconds until the buffer interval plus grace has passed since the last put (0 once it has). */
  readonly secondsUntilFlush: number;
}

/** What the wait saw: Firehose's objects of this run (records are not counted: that would mean reading them). */
export interface FirehoseLandingResult {
  readonly deliveryStreamName: string;
  readonly bucket: string;
  /** The delivery stream's BufferingHints.IntervalInSeconds. */
  readonly bufferIntervalSeconds: number;
  /** Parquet objects under the events prefix, LastModified at or after the replay's start. */
  readonly objects: number;
  readonly bytes: number;
  /** Objects under the errors prefix (records Firehose could not convert). */
  readonly errorObjects: number;
  readonly errorBytes: number;
  /** The arrival-hour prefixes listed at the end. */
  readonly prefixes: readonly string[];
  readonly polls: number;
  /** From the start of the wait to the listing that ended it. */
  readonly waitedMs: number;
}

interface Listing {
  readonly objects: number;
  readonly bytes: number;
  readonly errorObjects: number;
  readonly errorBytes: number;
  /** Keys and sizes, to tell whether anything changed between two listings. */
  readonly fingerprint: string;
}

/**
 * Waits for Firehose to deliver a replay into bronze. Firehose buffers for its interval before it
 * writes, and reports nothing per record, so this lists the arrival-hour prefixes the replay can
 * have produced until the interval plus a grace has passed since the last put, something has
 * landed, and two listings in a row agree. Past the timeout it fails, saying where it looked and
 * what to check.
 */
export async function waitForFirehoseLanding(options: FirehoseLandingOptions, deps: FirehoseLandingDeps): Promise<FirehoseLandingResult> {
  const clock = deps.clock ?? systemClock;
  const sleep = deps.sleep ?? realSleep;
  const graceMs = options.graceMs ?? 30_000;
  const pollMs = options.pollIntervalMs ?? 10_000;
  const started = clock();
  const interval = await bufferInterval(deps.firehose, options.deliveryStreamName, options.bucket);
  const flushAt = options.lastPutAt + interval * 1000 + graceMs;
  if (options.timeoutMs <= interval * 1000 + graceMs) {
    throw new StageError(
      `The landing timeout (${Math.round(options.timeoutMs / 1000)} s) ends before delivery stream ${options.deliveryStreamName} flushes its buffer (${interval} s, plus ${Math.round(graceMs / 1000)} s grace).`,
      [],
      'Raise --landing-timeout-minutes above the buffer interval.',
    );
  }
  // S3 keeps LastModified in whole seconds.
  const since = Math.floor(options.since / 1000) * 1000;
  let previous: Listing | undefined;
  type Pending = { listing: Listing; prefixes: string[]; landed: boolean };
  const outcome = await pollUntil(async (attempt): Promise<Poll<FirehoseLandingResult, Pending>> => {
    const now = clock();
    const prefixes = arrivalPrefixes(options.since, now);
    const listing = await list(deps.s3, options.bucket, prefixes, since);
    const secondsUntilFlush = Math.max(0, Math.ceil((flushAt - now) / 1000));
    options.onProgress?.({ objects: listing.objects, bytes: listing.bytes, errorObjects: listing.errorObjects, secondsUntilFlush });
    const landed = listing.objects + listing.errorObjects > 0;
    // Done once the buffer has flushed and two listings agree.
    const settled = landed && now >= flushAt && previous?.fingerprint === listing.fingerprint;
    previous = listing;
    if (!settled) return { done: false, pending: { listing, prefixes, landed } };
    const { objects, bytes, errorObjects, errorBytes } = listing;
    return {
      done: true,
      value: {
        deliveryStreamName: options.deliveryStreamName,
        bucket: options.bucket,
        bufferIntervalSeconds: interval,
        objects,
        bytes,
        errorObjects,
        errorBytes,
        prefixes,
        polls: attempt + 1,
        waitedMs: now - started,
      },
    };
  }, { timeoutMs: started + options.timeoutMs - clock(), backoff: fixedInterval(pollMs), signal: options.signal, clock, sleep });
  if (outcome.kind === 'done') return outcome.value;
  if (outcome.kind === 'aborted') throw new RunStoppedError('land', String(options.signal?.reason ?? 'abort'));
  const { prefixes, listing, landed } = outcome.pending;
  throw timedOut(options, interval, prefixes, listing, landed);
}

async function bufferInterval(firehose: Pick<FirehoseClient, 'send'>, deliveryStreamName: string, bucket: string): Promise<number> {
  let description;
  try {
    description = (await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: deliveryStreamName }))).DeliveryStreamDescription;
  } catch (e) {
    throw new StageError(
      `Cannot describe Firehose delivery stream ${deliveryStreamName}: ${(e as Error).name}: ${(e as Error).message}`,
      [],
      'Deploy the ingestion stack of this environment (or check the DeliveryStreamName output and the region), and allow firehose:DescribeDeliveryStream.',
      { cause: e },
    );
  }
  const destination = description?.Destinations?.[0]?.ExtendedS3DestinationDescription;
  if (destination?.BucketARN && !destination.BucketARN.endsWith(`:::${bucket}`)) {
    throw new StageError(
      `Delivery stream ${deliveryStreamName} writes to ${destination.BucketARN}, not to the bronze bucket ${bucket} this run reads.`,
      [],
      'Unset BRONZE_BUCKET or point it at the delivery stream\'s bucket, so the wait, the KPI jobs and the stream agree.',
    );
  }
  // 300 s is Firehose's default when the hint is not set.
  return destination?.BufferingHints?.IntervalInSeconds ?? 300;
}

/** The events and errors prefixes of every arrival hour from the replay's start to now. */
export function arrivalPrefixes(since: number, now: number): string[] {
  const prefixes: string[] = [];
  for (let hour = Math.floor(since / HOUR_MS) * HOUR_MS; hour <= Math.max(since, now); hour += HOUR_MS) {
    const at = new Date(hour);
    prefixes.push(renderBronzePrefix(at), renderBronzeErrorPrefix(FORMAT_CONVERSION_FAILED, at));
  }
  return prefixes;
}

async function list(s3: S3Client, bucket: string, prefixes: readonly string[], since: number): Promise<Listing> {
  const totals = { objects: 0, bytes: 0, errorObjects: 0, errorBytes: 0 };
  const seen: string[] = [];
  for (const prefix of prefixes) {
    const errors = !prefix.startsWith('events/');
    for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
      for (const object of page.Contents ?? []) {
        if (!object.Key || (object.LastModified?.getTime() ?? 0) < since) continue;
        const size = object.Size ?? 0;
        if (errors) {
          totals.errorObjects++;
          totals.errorBytes += size;
        } else {
          totals.objects++;
          totals.bytes += size;
        }
        seen.push(`${object.Key}:${size}`);
      }
    }
  }
  return { ...totals, fingerprint: seen.sort().join('\n') };
}

function timedOut(options: FirehoseLandingOptions, interval: number, prefixes: readonly string[], listing: Listing, landed: boolean): StageError {
  const minutes = Math.round(options.timeoutMs / 60_000);
  const where = `s3://${options.bucket}/${prefixes[0]}`;
  const logs = [where, `s3://${options.bucket}/errors/`];
  if (!landed) {
    return new StageError(
      `Nothing landed in s3://${options.bucket}/ under ${prefixes.filter((p) => p.startsWith('events/')).join(', ')} (or errors/) within ${minutes} min ` +
        `of the replay; delivery stream ${options.deliveryStreamName} buffers ${interval} s.`,
      logs,
      `Open delivery stream ${options.deliveryStreamName} in the Firehose console (Monitoring: records read from the Kinesis source, delivery to S3 and ` +
        `format conversion errors; Destination error logs), look for delivery errors under s3://${options.bucket}/errors/, ` +
        'and raise --landing-timeout-minutes if Firehose is only slow.',
    );
  }
  return new StageError(
    `Firehose was still delivering after ${minutes} min: ${listing.objects} objects in bronze and ${listing.errorObjects} under errors/ so far, ` +
      `and the listing of ${where} still changes.`,
    logs,
    'Raise --landing-timeout-minutes; a large replay takes Firehose several buffer intervals.',
  );
}
