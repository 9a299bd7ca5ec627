import * as path from 'node:path';
import { Command } from 'commander';
import { GeneratorCliOptions, addGeneratorOptions, generatorOptions } from './replay';
import { PRICE_TABLE_VARIABLE, priceTableFor } from '../../cost/prices';
import { SAMPLE_FILE } from '../../events/sample/sample';
import { parseJobList } from '../../kpis/catalog';
import { createProgressReporter } from '../../pipeline/progress';
import { EventSource } from '../../pipeline/shared-stages';
import { writeRunReport } from '../../report/run-report-files';
import { runSummaryText } from '../../report/run-summary';
import { runPipeline } from '../../targets/run-pipeline';
import { targetFor } from '../../targets/targets';
import { CLI_INPUT_STYLE, EmrCliOptions, addEmrOptions, emrInputs, givenEmrOptions } from '../emr-options';
import { interrupts } from '../interrupts';
import { wholeNumber } from '../option-parsers';
import { commandOutput } from '../output';
import { TargetCliOptions, addTargetOptions, configFromOptions } from '../target-options';

interface RunCliOptions extends GeneratorCliOptions, EmrCliOptions, TargetCliOptions {
  file?: string;
  sample: boolean;
  sendInvalid: boolean;
  shiftToNow: boolean;
  jobs: string;
  keep: boolean;
  failOnWarn: boolean;
  allowProdReplay: boolean;
  landingTimeoutMinutes?: number;
  reportDir: string;
  priceTable?: string;
  json: boolean;
}

function eventSource(o: RunCliOptions): EventSource {
  if (o.file && o.sample) throw new Error('Give either --file or --sample, not both.');
  if (o.file || o.sample) return { kind: 'file', path: o.file ?? SAMPLE_FILE, sendInvalid: o.sendInvalid };
  return { kind: 'generator', options: generatorOptions(o) };
}

export function registerRunCommand(program: Command): void {
  const command = addGeneratorOptions(addTargetOptions(program
    .command('run')
    .description(
      'Run the whole pipeline end to end and write a run report. Locally (the default): start the embedded stack (or reuse a running one), ' +
      'replay events into Kinesis, land them as Parquet, compute the five KPI tables with Spark, validate them on Trino; stops what it started ' +
      'unless --keep, and Ctrl-C stops every process the run started. With --target aws: resolve the environment\'s resources from its stack ' +
      'outputs (or BRONZE_BUCKET, ... variables), replay into its Kinesis stream, wait for Firehose to land bronze, run the KPI jobs as EMR steps or EMR Serverless job runs (as the compute stack says), ' +
      'validate them with Athena; every option is checked before the first AWS call, and Ctrl-C cancels the steps and terminates the transient cluster.',
    ), { environment: 'to run in: its stream, buckets and Glue database (and on aws its delivery stream and workgroup)' }),
  { records: 20_000, duplicateRate: 0.02, malformedRate: 0.01 })
    .option('--file <path>', 'replay a JSON Lines file (.gz allowed) instead of generating events')
    .option('--sample', 'replay the committed sample file', false)
    .option('--send-invalid', 'with --file: also send lines that fail the schema check', false)
    .option('--no-shift-to-now', 'keep the events\' own times (a window reads every arrival since the day before it, so old events are found too)')
    .option('--jobs <list>', 'KPI jobs: sensor_health, temp_humidity, event_geo, or all', 'all')
    .option('--keep', 'local: leave the stack running at the end (when this run started it)', false)
    .option('--fail-on-warn', 'fail the run on warn-level validation checks too', false)
    .option('--report-dir <dir>', 'where run-report.html/.json/.md and validation-report.json/.md go', 'reports')
    .option('--price-table <file>', `prices of the cost estimate (aws) and of "what this would cost on Athena" (local); default: ${PRICE_TABLE_VARIABLE}, else the shipped src/cost/price-table.json`)
    .option('--json', 'print the run report as one JSON object', false)
    .option('--landing-timeout-minutes <n>', 'aws: fail the land stage when Firehose has not delivered the replay after this long (default 15)', wholeNumber('--landing-timeout-minutes', 1))
    .option('--allow-prod-replay', 'aws: allow generated or sample events into prod (refused without it: they would be counted in its KPIs)', false);
  addEmrOptions(command, {
    scriptsVersion: 'default: the compute stack\'s ScriptsVersion output',
    roles: 'default: the compute stack\'s output, else the EMR default role',
  })
    .addHelpText('after', [
      '',
      'Examples:',
      '  $ npx clickstream run                                   20,000 generated events over 3 days, on this machine',
      '  $ npx clickstream run --records 1000000 --keep          a bigger run; the stack stays up',
      '  $ npx clickstream run --sample --jobs sensor_health     the committed sample, one job',
      '  $ npx clickstream run --environment pr-7 --keep         in environment pr-7 of the embedded stack (its own stream, buckets, database)',
      '  $ AWS_REGION=eu-west-1 npx clickstream run --target aws --environment staging --records 5000 --spot',
      '                                                          5,000 events through staging\'s Kinesis, Firehose, EMR and Athena',
      '',
      'On AWS the land stage lists bronze\'s arrival-hour prefixes until Firehose\'s buffer interval (read from the delivery stream) plus 30 s',
      'has passed since the last put and two listings agree. The exact checks expect bronze to hold only this run\'s events for its days.',
    ].join('\n'))
    .action(runPipelineCommand);
}

/** Runs the whole pipeline on the chosen target, writes the run report and prints its summary. */
async function runPipelineCommand(o: RunCliOptions): Promise<void> {
  const out = commandOutput(o.json);
  const config = configFromOptions(o);
  // Every option is checked before anything starts or talks to AWS.
  const planned = targetFor(config.target).planRun({
    config,
    source: eventSource(o),
    jobs: parseJobList(o.jobs),
    shiftToNow: o.shiftToNow,
    failOnWarn: o.failOnWarn,
    prices: priceTableFor(o.priceTable),
    keep: o.keep,
    awsOptionsGiven: [
      ...givenEmrOptions(o),
      ...(o.landingTimeoutMinutes !== undefined ? ['--landing-timeout-minutes'] : []),
      ...(o.allowProdReplay ? ['--allow-prod-replay'] : []),
    ],
    emr: emrInputs(o, { jobs: o.jobs }),
    inputStyle: CLI_INPUT_STYLE,
    allowProdReplay: o.allowProdReplay,
    landingTimeoutMs: o.landingTimeoutMinutes !== undefined ? o.landingTimeoutMinutes * 60_000 : undefined,
  });
  const signal = interrupts.signal(planned.stopping);
  const progress = createProgressReporter();
  const report = await runPipeline(planned.start({ signal, progress }));
  progress.close();
  const files = await writeRunReport(path.resolve(o.reportDir), report);
  out.summary(report, () => runSummaryText(report, files));
  // A stopped run exits with the signal's code (main.ts sets it); a failed one with 1.
  if (report.outcome === 'failed') process.exitCode = 1;
}
