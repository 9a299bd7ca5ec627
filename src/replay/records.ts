import { EventCheck, checkEventLine } from '../events/jsonl';
import { SensorEvent } from '../events/schema';

/** Kinesis limits (PutRecords API reference). */
export const KINESIS_LIMITS = {
  /** Records per PutRecords call. */
  batchRecords: 500,
  /** Bytes per PutRecords call, data and partition keys together. */
  batchBytes: 5 * 1024 * 1024,
  /** Bytes per record, data and partition key together. */
  recordBytes: 1024 * 1024,
  /** Per shard and second. */
  shardRecordsPerSecond: 1000,
  shardBytesPerSecond: 1024 * 1024,
} as const;

/** One record to put, with what the accounting and the manifest need to know of it. */
export interface ReplayRecord {
  readonly data: Buffer;
  readonly partitionKey: string;
  /** Data plus partition key, what Kinesis counts against its limits. */
  readonly size: number;
  /** The event, when the line passes the schema check. */
  readonly event?: SensorEvent;
  /** The uuid when the line has one, even if the line is otherwise invalid. */
  readonly uuid?: string;
  /** Why the line fails the schema check. */
  readonly invalidReason?: string;
  /** The line number in the source file. */
  readonly lineNumber?: number;
}

/** Partition key for lines without a usable sensor id; they still need a shard. */
export const UNKEYED_PARTITION = 'unkeyed';

function loosely(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value as Record<string, unknown> : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Builds a record from one JSON line: the document followed by a newline, as the seed's producer
 * sends it (Firehose concatenates records, and the newline keeps them apart when they are not
 * converted); partition key `sensor_id` keeps a sensor on one shard.
 */
export function toReplayRecord(text: string, lineNumber?: number, check: EventCheck = checkEventLine(text)): ReplayRecord {
  const data = Buffer.from(`${text}\n`);
  let partitionKey = UNKEYED_PARTITION;
  let uuid: string | undefined;
  if (check.ok) {
    partitionKey = String(check.event.sensor_id);
    uuid = check.event.uuid;
  } else {
    const value = loosely(text);
    const sensor = value?.sensor_id;
    if ((typeof sensor === 'number' || typeof sensor === 'string') && String(sensor).length > 0 && String(sensor).length <= 256) partitionKey = String(sensor);
    if (typeof value?.uuid === 'string') uuid = value.uuid;
  }
  return {
    data,
    partitionKey,
    size: data.length + Buffer.byteLength(partitionKey),
    event: check.ok ? check.event : undefined,
    uuid,
    invalidReason: check.ok ? undefined : check.reason,
    lineNumber,
  };
}
