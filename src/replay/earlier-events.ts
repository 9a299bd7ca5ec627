import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { BRONZE_PREFIX } from '../config/names';

/** Where valid landed events live in the bronze bucket: the Parquet objects' prefix up to its first timestamp field. */
const BRONZE_EVENTS_ROOT = BRONZE_PREFIX.slice(0, BRONZE_PREFIX.indexOf('year='));

/**
 * Whether an environment's bronze already holds landed events, asked before a replay: its KPI tables
 * then count those events too (the jobs recompute each day from everything in bronze), so the
 * replay's manifest describes only part of what the tables hold. One ListObjectsV2 of at most one key
 * (s3:ListBucket on the bucket, which every role that replays has).
 */
export async function bronzeHoldsEvents(s3: S3Client, bucket: string): Promise<boolean> {
  try {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: BRONZE_EVENTS_ROOT, MaxKeys: 1 }));
    return (listed.KeyCount ?? listed.Contents?.length ?? 0) > 0;
  } catch (e) {
    // A bucket that does not exist holds nothing; the landing, which writes there, reports it.
    if ((e as Error).name === 'NoSuchBucket') return false;
    throw e;
  }
}
