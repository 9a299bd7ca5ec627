import { KINESIS_LIMITS, ReplayRecord } from './records';

export interface BatchLimits {
  /** @default 500 */
  readonly maxRecords?: number;
  /** @default 5 MiB */
  readonly maxBytes?: number;
}

/**
 * Groups records into PutRecords batches within the count and size limits. Records over the
 * 1 MiB record limit cannot be put at all; they go to `onOversized` instead of a batch.
 */
export async function* batchRecords(
  records: AsyncIterable<ReplayRecord>,
  limits: BatchLimits,
  onOversized: (record: ReplayRecord) => void,
): AsyncGenerator<ReplayRecord[]> {
  const maxRecords = Math.min(limits.maxRecords ?? KINESIS_LIMITS.batchRecords, KINESIS_LIMITS.batchRecords);
  const maxBytes = Math.min(limits.maxBytes ?? KINESIS_LIMITS.batchBytes, KINESIS_LIMITS.batchBytes);
  let batch: ReplayRecord[] = [];
  let bytes = 0;
  for await (const record of records) {
    if (record.size > KINESIS_LIMITS.recordBytes) {
      onOversized(record);
      continue;
    }
    if (batch.length > 0 && (batch.length >= maxRecords || bytes + record.size > maxBytes)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(record);
    bytes += record.size;
  }
  if (batch.length > 0) yield batch;
}
