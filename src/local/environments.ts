import { DeleteDatabaseCommand, DeleteTableCommand, GetDatabaseCommand, paginateGetTables } from '@aws-sdk/client-glue';
import { DeleteStreamCommand, DescribeStreamSummaryCommand, waitUntilStreamNotExists } from '@aws-sdk/client-kinesis';
import { DeleteBucketCommand, DeleteObjectsCommand, HeadBucketCommand, ObjectIdentifier, paginateListObjectsV2 } from '@aws-sdk/client-s3';
import { EmulatorClients, isNotFound } from './bootstrap';
import { ResourceNames } from '../config/names';

/** What destroying an environment on the embedded stack removed, and what was not there. */
export interface LocalDestroyResult {
  readonly environment: string;
  /** `s3://bucket (n objects)`, `glue database analytics_pr_7 (n tables)`, `kinesis stream ...`. */
  readonly removed: readonly string[];
  readonly absent: readonly string[];
}

/** S3's DeleteObjects takes at most 1,000 keys a request (Amazon S3 API reference). */
const DELETE_BATCH = 1000;

/**
 * Removes one environment's resources from the embedded stack, and only its: the Kinesis stream,
 * every bucket with all its objects (a bucket must be empty to be deleted; the local buckets are not
 * versioned), and
 * the Glue database with its tables, each table deleted first (Glue's DeleteDatabase would leave
 * them to be removed "asynchronously, at the discretion of the service": Glue API reference).
 * Resources that do not exist are reported as absent, so running it twice is harmless. The landing
 * checkpoints and the Iceberg data live in the environment's buckets and go with them.
 */
export async function destroyLocalEnvironment(clients: EmulatorClients, names: ResourceNames): Promise<LocalDestroyResult> {
  const removed: string[] = [];
  const absent: string[] = [];
  const gone = async (label: string, remove: () => Promise<string>) => {
    try {
      removed.push(`${label}${await remove()}`);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      absent.push(label);
    }
  };

  await gone(`kinesis stream ${names.streamName}`, async () => {
    await clients.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: names.streamName }));
    await clients.kinesis.send(new DeleteStreamCommand({ StreamName: names.streamName, EnforceConsumerDeletion: true }));
    await waitUntilStreamNotExists({ client: clients.kinesis, maxWaitTime: 30 }, { StreamName: names.streamName });
    return '';
  });
  for (const bucket of [names.bronzeBucket, names.warehouseBucket, names.scriptsBucket, names.logsBucket, names.athenaResultsBucket]) {
    await gone(`s3://${bucket}`, async () => {
      await clients.s3.send(new HeadBucketCommand({ Bucket: bucket }));
      const objects = await emptyBucket(clients, bucket);
      await clients.s3.send(new DeleteBucketCommand({ Bucket: bucket }));
      return ` (${objects} object${objects === 1 ? '' : 's'})`;
    });
  }
  await gone(`glue database ${names.glueDatabase}`, async () => {
    await clients.glue.send(new GetDatabaseCommand({ Name: names.glueDatabase }));
    const tables: string[] = [];
    for await (const page of paginateGetTables({ client: clients.glue }, { DatabaseName: names.glueDatabase })) {
      tables.push(...(page.TableList ?? []).flatMap((t) => (t.Name ? [t.Name] : [])));
    }
    for (const table of tables) await clients.glue.send(new DeleteTableCommand({ DatabaseName: names.glueDatabase, Name: table }));
    await clients.glue.send(new DeleteDatabaseCommand({ Name: names.glueDatabase }));
    return ` (${tables.length} table${tables.length === 1 ? '' : 's'}: ${tables.sort().join(', ')})`;
  });
  return { environment: names.environment, removed, absent };
}

/** Deletes every object of a bucket; returns how many it held. */
async function emptyBucket(clients: EmulatorClients, bucket: string): Promise<number> {
  let count = 0;
  let batch: ObjectIdentifier[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const result = await clients.s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch, Quiet: true } }));
    if (result.Errors && result.Errors.length > 0) {
      throw new Error(`Deleting objects of s3://${bucket} failed: ${result.Errors.slice(0, 3).map((e) => `${e.Key}: ${e.Code} ${e.Message}`).join('; ')}`);
    }
    batch = [];
  };
  for await (const page of paginateListObjectsV2({ client: clients.s3 }, { Bucket: bucket })) {
    for (const object of page.Contents ?? []) {
      if (!object.Key) continue;
      count += 1;
      batch.push({ Key: object.Key });
      if (batch.length === DELETE_BATCH) await flush();
    }
  }
  await flush();
  return count;
}
