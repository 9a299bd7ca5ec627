import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { ManifestBuilder } from './manifest';
import { RateLimiter } from './rate-limiter';
import { ReplayRecord } from './records';
import { BackoffOptions, jitteredDelay } from '../timing/backoff';
import { Sleep } from '../timing/clock';

/** Sending records with PutRecords: retrying what failed, and accounting for every record. */

/** How many undelivered records the result names. */
export const LISTED_UNDELIVERED = 10;

/** Progress after every PutRecords call. */
export interface ReplayProgress {
  readonly sent: number;
  readonly failed: number;
  readonly retried: number;
  readonly throttled: number;
  readonly elapsedMs: number;
}

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

/** Every record's fate during one replay: the counts, the undelivered ids and why, and the manifest. */
export class ReplayAccount {
  readonly counts = { read: 0, sent: 0, failed: 0, retried: 0, throttled: 0, bytes: 0 };
  readonly manifest = new ManifestBuilder();
  readonly undeliveredIds: string[] = [];
  readonly listedIds: string[] = [];
  readonly reasons: Record<string, number> = {};

  delivered(record: ReplayRecord): void {
    this.counts.sent++;
    this.counts.bytes += record.size;
    this.manifest.recordDelivered(record);
  }

  undeliver(records: readonly ReplayRecord[], reason: string): void {
    for (const r of records) {
      this.counts.failed++;
      this.reasons[reason] = (this.reasons[reason] ?? 0) + 1;
      const id = r.uuid ?? (r.lineNumber !== undefined ? `line ${r.lineNumber}` : '(no uuid)');
      this.undeliveredIds.push(id);
      if (this.listedIds.length < LISTED_UNDELIVERED) this.listedIds.push(id);
    }
  }
}

/** What sending needs: the stream, the resolved options of one replay and its account. */
export interface Sender {
  readonly kinesis: KinesisClient;
  readonly streamName: string;
  readonly backoff?: BackoffOptions;
  readonly onProgress?: (progress: ReplayProgress) => void;
  readonly account: ReplayAccount;
  readonly limiter?: RateLimiter;
  readonly clock: () => number;
  readonly pause: Sleep;
  readonly random: () => number;
  readonly maxAttempts: number;
  readonly started: number;
  readonly deadline: number;
}

/** One PutRecords call: the entries that failed and the last error code among them. */
async function putOnce(sender: Sender, pending: readonly ReplayRecord[]): Promise<{ failed: ReplayRecord[]; reason: string }> {
  const { account } = sender;
  const failed: ReplayRecord[] = [];
  let reason = '';
  try {
    const output = await sender.kinesis.send(new PutRecordsCommand({
      StreamName: sender.streamName,
      Records: pending.map((r) => ({ Data: r.data, PartitionKey: r.partitionKey })),
    }));
    const results = output.Records ?? [];
    pending.forEach((record, i) => {
      const result = results[i];
      if (result?.SequenceNumber && !result.ErrorCode) return account.delivered(record);
      reason = result?.ErrorCode ?? 'NoResultForEntry';
      if (THROTTLING.has(reason)) account.counts.throttled++;
      failed.push(record);
    });
  } catch (e) {
    const error = e as SdkError & Error;
    if (!retryable(error)) {
      throw new Error(`PutRecords to ${sender.streamName} failed with ${error.name}: ${error.message} (${account.counts.sent} records delivered before).`);
    }
    reason = error.name || error.code || 'NetworkError';
    if (THROTTLING.has(reason)) account.counts.throttled += pending.length;
    failed.push(...pending);
  }
  return { failed, reason };
}

/** Sends one batch, re-sending only the failed entries with backoff until attempts or the deadline run out. */
async function putWithRetries(sender: Sender, batch: ReplayRecord[]): Promise<void> {
  const { account, clock } = sender;
  let pending = batch;
  for (let attempt = 1; ; attempt++) {
    await sender.limiter?.acquire(pending.length, pending.reduce((n, r) => n + r.size, 0));
    const { failed, reason } = await putOnce(sender, pending);
    const { sent, retried, throttled } = account.counts;
    sender.onProgress?.({ sent, failed: account.counts.failed, retried, throttled, elapsedMs: clock() - sender.started });
    if (failed.length === 0) return;
    if (attempt >= sender.maxAttempts) return account.undeliver(failed, reason);
    const backoff = jitteredDelay(attempt - 1, sender.random, sender.backoff);
    if (clock() + backoff >= sender.deadline) return account.undeliver(failed, 'DeadlineExceeded');
    await sender.pause(backoff);
    account.counts.retried += failed.length;
    pending = failed;
  }
}

/** Sends every batch with `concurrency` calls in flight; the first error that retrying cannot fix stops all of them. */
export async function sendAll(sender: Sender, batches: AsyncIterator<ReplayRecord[]>, concurrency: number): Promise<void> {
  let fatal: Error | undefined;
  const worker = async () => {
    for (;;) {
      if (fatal) return;
      const next = await batches.next();
      if (next.done) return;
      if (sender.clock() >= sender.deadline) {
        sender.account.undeliver(next.value, 'DeadlineExceeded');
        continue;
      }
      try {
        await putWithRetries(sender, next.value);
      } catch (e) {
        fatal = fatal ?? (e as Error);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (fatal) throw fatal;
}

