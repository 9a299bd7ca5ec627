import { Command } from 'commander';
import { formatTable } from '../../format/tables';
import { targetFor } from '../../targets/targets';
import { positive } from '../option-parsers';
import { commandOutput } from '../output';
import { TargetCliOptions, addTargetOptions, configFromOptions } from '../target-options';

interface LandCliOptions extends TargetCliOptions {
  stream?: string;
  bucket?: string;
  bufferMib: number;
  bufferSeconds: number;
  fromOldest: boolean;
  json: boolean;
}

export function registerLandCommand(program: Command): void {
  addTargetOptions(program
    .command('land')
    .description(
      'Land the stream into bronze as Firehose would: read every shard from its checkpoint until caught up, write Snappy Parquet ' +
      'under events/year=/month=/day=/hour= (arrival time), and records that do not convert under errors/. Local target only: on AWS, Firehose lands the stream.',
    ), { environment: 'whose stream to land into whose bronze' })
    .option('--stream <name>', 'stream name (default: from configuration)')
    .option('--bucket <name>', 'bronze bucket (default: from configuration)')
    .option('--buffer-mib <n>', 'flush when this much raw data is buffered', positive('--buffer-mib'), 64)
    .option('--buffer-seconds <n>', 'flush when the oldest buffered record has waited this long', positive('--buffer-seconds'), 60)
    .option('--from-oldest', 'ignore saved checkpoints and land every shard from its oldest record', false)
    .option('--json', 'print the summary as one JSON object', false)
    .action(async (o: LandCliOptions) => {
      const out = commandOutput(o.json);
      const config = configFromOptions(o);
      const result = await targetFor(config.target).land({
        config,
        streamName: o.stream,
        bucket: o.bucket,
        bufferSizeBytes: o.bufferMib * 1024 * 1024,
        bufferIntervalMs: o.bufferSeconds * 1000,
        fromOldest: o.fromOldest,
        log: out.progress,
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
