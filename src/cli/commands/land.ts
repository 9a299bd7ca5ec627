import { Command } from 'commander';
import { Target } from '../../config/config';
import { land } from '../../landing/worker';
import { commandOutput, formatTable } from '../output';
import { positive, targetClients, targetConfig, targetOption } from './replay';

/**
 * Why `land` has no aws target: there the environment's Firehose delivery stream reads the Kinesis
 * stream and lands bronze itself, and a second reader would land every record twice.
 */
export const LAND_ON_AWS_REFUSAL = '`clickstream land` stands in for Firehose on the local target only. On AWS the environment\'s Firehose ' +
  'delivery stream (clickstream-<env>-bronze-delivery) already lands the Kinesis stream in bronze, and landing it here too would write every ' +
  'record twice. To wait for Firehose after a replay, use `clickstream run --target aws` (its land stage) or the replay-sensor-data action ' +
  'with wait-for-landing; to look at what landed, `clickstream query --target aws`.';

interface LandCliOptions {
  target: Target;
  stream?: string;
  bucket?: string;
  bufferMib: number;
  bufferSeconds: number;
  fromOldest: boolean;
  json: boolean;
}

export function registerLandCommand(program: Command): void {
  program
    .command('land')
    .description(
      'Land the stream into bronze as Firehose would: read every shard from its checkpoint until caught up, write Snappy Parquet ' +
      'under events/year=/month=/day=/hour= (arrival time), and records that do not convert under errors/. Local target only: on AWS, Firehose lands the stream.',
    )
    .addOption(targetOption())
    .option('--stream <name>', 'stream name (default: from configuration)')
    .option('--bucket <name>', 'bronze bucket (default: from configuration)')
    .option('--buffer-mib <n>', 'flush when this much raw data is buffered', positive('--buffer-mib'), 64)
    .option('--buffer-seconds <n>', 'flush when the oldest buffered record has waited this long', positive('--buffer-seconds'), 60)
    .option('--from-oldest', 'ignore saved checkpoints and land every shard from its oldest record', false)
    .option('--json', 'print the summary as one JSON object', false)
    .action(async (o: LandCliOptions) => {
      if (o.target === 'aws') throw new Error(LAND_ON_AWS_REFUSAL);
      const out = commandOutput(o.json);
      const clients = await targetClients(targetConfig(o.target));
      const streamName = o.stream ?? clients.names.streamName;
      const bucket = o.bucket ?? clients.names.bronzeBucket;
      out.progress(`land: ${o.target} stream ${streamName} -> s3://${bucket}/`);
      let lastReport = 0;
      const result = await land({
        kinesis: clients.kinesis,
        s3: clients.s3,
        streamName,
        bucket,
        deliveryStreamName: clients.names.deliveryStreamName,
        table: { databaseName: clients.names.glueDatabase, tableName: clients.names.rawTable, region: clients.region },
        bufferSizeBytes: o.bufferMib * 1024 * 1024,
        bufferIntervalMs: o.bufferSeconds * 1000,
        fromOldest: o.fromOldest,
        onProgress: (p) => {
          if (Date.now() - lastReport < 1000) return;
          lastReport = Date.now();
          out.progress(`land: ${p.read} read (${p.shardId}), ${p.landed} landed, ${p.errors} errors`);
        },
      });
      out.summary(result, () => [
        formatTable(['metric', 'value'], [
          ['stream', result.streamName],
          ['read', result.read],
          ['landed (Parquet)', result.landed],
          ['errors (format-conversion-failed)', result.errors],
          ['objects written', result.objects.length],
          ['duration (s)', result.durationSeconds],
          ['events/s', result.eventsPerSecond],
          ['checkpoints', result.checkpointLocation],
        ]),
        '',
        formatTable(['shard', 'read', 'started after'], result.shards.map((s) => [s.shardId, s.read, s.startedAfter ?? '(oldest)'])),
        ...(result.objects.length > 0 ? ['', formatTable(['object', 'records', 'bytes'], result.objects.map((x) => [`s3://${result.bucket}/${x.key}`, x.records, x.bytes]))] : []),
      ].join('\n'));
    });
}
