import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { checkReplayAllowed } from '../../config/guards';
import { GeneratorOptions, resolveGeneratorOptions } from '../../events/generator';
import { SAMPLE_FILE, SAMPLE_OPTIONS, writeEventsFile } from '../../events/sample/sample';
import { formatTable } from '../../format/tables';
import { replaySummaryRows, undeliveredMessage } from '../../replay/replay-summary';
import { DEFAULT_CONCURRENCY, ReplayOptions, ReplayResult, replay } from '../../replay/replayer';
import { fileSource, generatorSource } from '../../replay/sources';
import { targetFor } from '../../targets/targets';
import { positive, share, wholeNumber } from '../option-parsers';
import { CommandOutput, commandOutput } from '../output';
import { TargetCliOptions, addTargetOptions, configFromOptions } from '../target-options';

export interface GeneratorCliOptions {
  records: number;
  seed: number;
  days: number;
  start?: string;
  sensors: number;
  duplicateRate: number;
  malformedRate: number;
}

interface GenerateCliOptions extends GeneratorCliOptions {
  output?: string;
  sample: boolean;
  json: boolean;
}

interface ReplayCliOptions extends GeneratorCliOptions, TargetCliOptions {
  region?: string;
  allowProdReplay: boolean;
  stream?: string;
  file?: string;
  sample: boolean;
  sendInvalid: boolean;
  shiftToNow: boolean;
  rate?: string;
  bytesRate?: number;
  concurrency?: number;
  maxAttempts: number;
  deadline: number;
  manifest?: string;
  includeUuids: boolean;
  json: boolean;
}

/** Generator options from the command line, validated before anything connects anywhere. */
export function generatorOptions(o: GeneratorCliOptions): GeneratorOptions {
  const options = {
    count: o.records, seed: o.seed, days: o.days, start: o.start, sensors: o.sensors, duplicateRate: o.duplicateRate, malformedRate: o.malformedRate,
  };
  resolveGeneratorOptions(options);
  return options;
}

function replayRate(o: ReplayCliOptions): ReplayOptions['rate'] {
  if (o.rate === 'max') return 'unlimited';
  if (!o.rate && !o.bytesRate) return undefined;
  return { recordsPerSecond: o.rate ? Number(o.rate) : undefined, bytesPerSecond: o.bytesRate };
}

const parseRate = (value: string) => {
  if (value === 'max') return value;
  return String(positive('--rate')(value));
};

/** Per-command defaults of the generator options. */
export interface GeneratorOptionDefaults {
  readonly records: number;
  readonly duplicateRate: number;
  readonly malformedRate: number;
  readonly start?: string;
}

/** The seeded generator's options, one definition for every command that generates events. */
export function addGeneratorOptions(command: Command, defaults: GeneratorOptionDefaults): Command {
  return command
    .option('--records <n>', 'events to generate, anomalies included', wholeNumber('--records', 1), defaults.records)
    .option('--seed <n>', 'generator seed (same seed, same events)', wholeNumber('--seed'), 1)
    .option('--days <n>', 'days the generated event times spread over', positive('--days'), 3)
    .option('--start <iso>', 'first generated event time (UTC)', defaults.start)
    .option('--sensors <n>', 'sensors in the generated fleet', wholeNumber('--sensors', 1), 100)
    .option('--duplicate-rate <share>', 'share of re-delivered events (same uuid)', share('--duplicate-rate'), defaults.duplicateRate)
    .option('--malformed-rate <share>', 'share of malformed records', share('--malformed-rate'), defaults.malformedRate);
}

export function registerReplayCommands(program: Command): void {
  registerGenerateCommand(program);
  registerReplayCommand(program);
}

function registerGenerateCommand(program: Command): void {
  addGeneratorOptions(program
    .command('generate')
    .description('Write generated sensor events as JSON Lines (gzip when the name ends in .gz). Same seed and options, same bytes.')
    .option('--output <file>', 'file to write (default: the committed sample with --sample)')
    .option('--sample', `recreate the committed sample (${path.relative(process.cwd(), SAMPLE_FILE)}) with its fixed options`, false),
  { records: 10_000, duplicateRate: 0, malformedRate: 0, start: '2026-11-01T00:00:00Z' })
    .option('--json', 'print the summary as one JSON object', false)
    .action((o: GenerateCliOptions) => {
      const out = commandOutput(o.json);
      const options = o.sample ? SAMPLE_OPTIONS : generatorOptions(o);
      const file = o.output ?? (o.sample ? SAMPLE_FILE : undefined);
      if (!file) throw new Error('Say where to write with --output <file> (or use --sample to recreate the committed sample).');
      const written = writeEventsFile(file, options);
      out.summary({ ...written, options }, () => `Wrote ${options.count} records (${written.bytes} bytes) to ${written.file}.`);
    });
}

function registerReplayCommand(program: Command): void {
  addGeneratorOptions(addTargetOptions(program
    .command('replay')
    .description(
      'Replay sensor events (generated, or a JSON Lines file) into the Kinesis stream with PutRecords, paced to the stream\'s shard limits; ' +
      'failed entries are re-sent with backoff. Exits non-zero, naming them, if any record was not delivered.',
    ), { environment: 'whose stream to replay into' })
    .option('--region <region>', 'AWS region (aws target)')
    .option('--allow-prod-replay', 'aws: allow generated or sample events into prod (refused without it: they would be counted in its KPIs)', false)
    .option('--stream <name>', 'stream name (default: from configuration)')
    .option('--file <path>', 'replay a JSON Lines file (.gz allowed) instead of generating events')
    .option('--sample', 'replay the committed sample file', false),
  { records: 10_000, duplicateRate: 0, malformedRate: 0 })
    .option('--send-invalid', 'also send file lines that fail the schema check (exercises the landing\'s error path)', false)
    .option('--shift-to-now', 'shift event times so the newest event is now', false)
    .option('--rate <records/s>', 'records per second, or "max" for no pacing (default: shard count x 1000)', parseRate)
    .option('--bytes-rate <bytes/s>', 'bytes per second (default: shard count x 1 MiB)', positive('--bytes-rate'))
    .option('--concurrency <n>', `PutRecords calls in flight (default ${DEFAULT_CONCURRENCY})`, wholeNumber('--concurrency', 1))
    .option('--max-attempts <n>', 'attempts per record', wholeNumber('--max-attempts', 1), 10)
    .option('--deadline <seconds>', 'stop sending and retrying after this long', positive('--deadline'), 3600)
    .option('--manifest <path>', 'write a JSON manifest of what was delivered')
    .option('--include-uuids', 'list every distinct valid uuid in the manifest', false)
    .option('--json', 'print the summary as one JSON object', false)
    .action(runReplayCommand);
}

/** Replays the events the options name into the target's stream; exits non-zero if any record was not delivered. */
async function runReplayCommand(o: ReplayCliOptions): Promise<void> {
  const out = commandOutput(o.json);
  if (o.file && o.sample) throw new Error('Use either --file or --sample, not both.');
  const file = o.sample ? SAMPLE_FILE : o.file;
  if (file && !fs.existsSync(file)) throw new Error(`--file ${file} does not exist.`);
  const source = file
    ? fileSource({ file, sendInvalid: o.sendInvalid })
    : generatorSource(generatorOptions(o));
  const config = configFromOptions(o);
  checkReplayAllowed({
    environment: config.environment,
    origin: o.sample ? 'sample' : file ? 'file' : 'generated',
    allowProduction: o.allowProdReplay,
    override: '--allow-prod-replay',
    environmentOption: '--environment staging',
  });
  const clients = await targetFor(config.target).streamClients(config);
  const streamName = o.stream ?? clients.names.streamName;
  out.progress(`replay: ${file ? `file ${file}` : `${o.records} generated events (seed ${o.seed})`} -> ${config.target} stream ${streamName}`);
  let lastReport = 0;
  const result = await replay({
    kinesis: clients.kinesis,
    streamName,
    source,
    rate: replayRate(o),
    concurrency: o.concurrency,
    maxAttempts: o.maxAttempts,
    deadlineMs: o.deadline * 1000,
    shiftToNow: o.shiftToNow,
    includeUuids: o.includeUuids,
    onProgress: (p) => {
      if (p.elapsedMs - lastReport < 1000) return;
      lastReport = p.elapsedMs;
      out.progress(`replay: ${p.sent} sent, ${p.failed} failed, ${p.retried} retried, ${p.throttled} throttled (${Math.round(p.sent / (p.elapsedMs / 1000))} rec/s)`);
    },
  });
  if (o.manifest) {
    fs.mkdirSync(path.dirname(path.resolve(o.manifest)), { recursive: true });
    fs.writeFileSync(o.manifest, `${JSON.stringify(result.manifest, null, 2)}\n`);
  }
  printReplaySummary(out, result, o.manifest);
  if (result.failed > 0) {
    process.stderr.write(`error: ${undeliveredMessage(result)}\n`);
    process.exitCode = 1;
  }
}

function printReplaySummary(out: CommandOutput, result: ReplayResult, manifestPath: string | undefined): void {
  const { manifest, ...summary } = result;
  out.summary({ ...summary, manifestPath }, () => {
    const lines = [formatTable(['metric', 'value'], replaySummaryRows(result))];
    const invalid = result.invalidLines;
    if (invalid && invalid.count > 0) {
      lines.push('', `Invalid lines (${invalid.count}${invalid.count > 10 ? ', first 10' : ''}):`);
      lines.push(...invalid.lines.slice(0, 10).map((l) => `  line ${l.lineNumber}: ${l.reason}`));
    }
    if (manifestPath) lines.push('', `Manifest: ${manifestPath} (${manifest.counts.distinctValidUuids} distinct valid events).`);
    return lines.join('\n');
  });
}
