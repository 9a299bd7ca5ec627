import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { systemClock } from '../timing/clock';

/** The last sequence number landed, per shard id. */
export type ShardCheckpoints = Record<string, string>;

export interface CheckpointStore {
  readonly location: string;
  load(): Promise<ShardCheckpoints>;
  save(checkpoints: ShardCheckpoints): Promise<void>;
}

/**
 * Checkpoints kept as one object next to the data they describe (outside the `events/`
 * prefix Spark reads), so they live and die with the emulator's bucket: a fresh emulator
 * never meets checkpoints of a stream that no longer exists.
 */
export function s3CheckpointStore(s3: S3Client, bucket: string, streamName: string): CheckpointStore {
  const key = `_landing/checkpoints/${streamName}.json`;
  return {
    location: `s3://${bucket}/${key}`,
    async load() {
      try {
        const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        const parsed = JSON.parse(await object.Body!.transformToString()) as { shards?: ShardCheckpoints };
        return parsed.shards ?? {};
      } catch (e) {
        if ((e as { name?: string }).name === 'NoSuchKey') return {};
        throw e;
      }
    },
    async save(checkpoints) {
      const body = JSON.stringify({ streamName, updatedAt: new Date(systemClock()).toISOString(), shards: checkpoints }, null, 2);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }));
    },
  };
}
