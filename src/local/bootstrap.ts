import { CreateDatabaseCommand, CreateTableCommand, GetDatabaseCommand, GetTableCommand, GlueClient } from '@aws-sdk/client-glue';
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient, waitUntilStreamExists } from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { EMULATOR_CREDENTIALS, LOCAL_REGION } from '../config/config';
import { ResourceNames } from '../config/names';
import { rawTableParameters, rawTablePartitionKeys } from '../config/raw-table';
import { glueColumns } from '../events/schema';

/** SDK clients configured for the emulator's single endpoint. */
export interface EmulatorClients {
  readonly s3: S3Client;
  readonly glue: GlueClient;
  readonly kinesis: KinesisClient;
}

export function emulatorClients(endpoint: string): EmulatorClients {
  const common = { endpoint, region: LOCAL_REGION, credentials: EMULATOR_CREDENTIALS };
  return {
    s3: new S3Client({ ...common, forcePathStyle: true }),
    glue: new GlueClient(common),
    // The Kinesis client defaults to HTTP/2, which the plain-HTTP emulator does not speak.
    kinesis: new KinesisClient({ ...common, requestHandler: new NodeHttpHandler() }),
  };
}

export interface BootstrapResult {
  readonly created: readonly string[];
  readonly existing: readonly string[];
}

/**
 * Local stream shards: two by default, so the replayer and landing exercise more than one shard.
 * `CLICKSTREAM_LOCAL_SHARDS` sets another count (1 to 256), e.g. to try the landing's per-shard work.
 */
export function localShardCount(env: NodeJS.ProcessEnv = process.env): number {
  const value = env.CLICKSTREAM_LOCAL_SHARDS;
  if (value === undefined || value === '') return 2;
  const shards = Number(value);
  if (!Number.isInteger(shards) || shards < 1 || shards > 256) {
    throw new Error(`CLICKSTREAM_LOCAL_SHARDS must be a whole number from 1 to 256, got "${value}".`);
  }
  return shards;
}

const NOT_FOUND_ERRORS = ['NotFound', 'NoSuchBucket', 'EntityNotFoundException', 'ResourceNotFoundException'];

/** Whether the emulator (or AWS) answered that a resource does not exist. */
export function isNotFound(e: unknown): boolean {
  const error = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return NOT_FOUND_ERRORS.includes(error.name ?? '') || error.$metadata?.httpStatusCode === 404;
}

interface Outcome {
  readonly created: string[];
  readonly existing: string[];
}

async function ensure(label: string, exists: () => Promise<unknown>, create: () => Promise<unknown>, result: Outcome) {
  try {
    await exists();
    result.existing.push(label);
  } catch (e) {
    if (!isNotFound(e)) throw e;
    await create();
    result.created.push(label);
  }
}

/**
 * Creates the local target's resources in the emulator, as the CDK app does on AWS: buckets,
 * the Glue database and raw table, the Kinesis stream. Idempotent.
 */
export async function bootstrapLocalResources(clients: EmulatorClients, names: ResourceNames): Promise<BootstrapResult> {
  const result: Outcome = { created: [], existing: [] };
  for (const bucket of [names.bronzeBucket, names.warehouseBucket, names.scriptsBucket, names.logsBucket, names.athenaResultsBucket]) {
    await ensure(`s3://${bucket}`, () => clients.s3.send(new HeadBucketCommand({ Bucket: bucket })), () => clients.s3.send(new CreateBucketCommand({ Bucket: bucket })), result);
  }
  await ensure(
    `glue database ${names.glueDatabase}`,
    () => clients.glue.send(new GetDatabaseCommand({ Name: names.glueDatabase })),
    () => clients.glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: names.glueDatabase, Description: 'clickstream KPI tables and the raw events table' } })),
    result,
  );
  await ensure(
    `glue table ${names.glueDatabase}.${names.rawTable}`,
    () => clients.glue.send(new GetTableCommand({ DatabaseName: names.glueDatabase, Name: names.rawTable })),
    () => clients.glue.send(new CreateTableCommand({
      DatabaseName: names.glueDatabase,
      TableInput: {
        Name: names.rawTable,
        TableType: 'EXTERNAL_TABLE',
        Parameters: rawTableParameters(names.bronzeBucket),
        PartitionKeys: rawTablePartitionKeys(),
        StorageDescriptor: {
          Columns: glueColumns(),
          Location: names.bronzeUri,
          InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
          OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
          SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
        },
      },
    })),
    result,
  );
  await ensure(
    `kinesis stream ${names.streamName}`,
    () => clients.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: names.streamName })),
    async () => {
      await clients.kinesis.send(new CreateStreamCommand({ StreamName: names.streamName, ShardCount: localShardCount() }));
      await waitUntilStreamExists({ client: clients.kinesis, maxWaitTime: 30 }, { StreamName: names.streamName });
    },
    result,
  );
  return result;
}
