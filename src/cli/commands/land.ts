import { Command } from 'commander';
import { Target } from '../../config/config';
import { land } from '../../landing/worker';
import { commandOutput, formatTable } from '../output';
import { positive, targetClients, targetOption } from './replay';

interface LandCliOptions {
  target: Target;
  region?: string;
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
      'under events/year=/month=/day=/hour= (arrival time), and records that do not convert under errors/.',
    )
    .addOption(targetOption())
    .option('--region <region>', 'AWS region (aws target)')
    .option('--stream <name>', 'stream name (default: from configuration)')
    .option('--bucket <name>', 'bronze bucket (default: from configuration)')
    .option('--buffer-mib <n>', 'flush when this much raw data is buffered', positive('--buffer-mib'), 64)
    .option('--buffer-seconds <n>', 'flush when the oldest buffered record has waited this long', positive('--buffer-seconds'), 60)
    .option('--from-oldest', 'ignore saved checkpoints and land every shard from its oldest record', false)
    .option('--json', 'print the summary as one JSON object', false)
    .action(async (o: LandCliOptions) => {
      const out = commandOutput(o.json);
      const clients = await targetClients(o.target, o.region);
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
