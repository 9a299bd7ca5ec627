import * as path from 'node:path';
import { Command } from 'commander';
import { GeneratorCliOptions, addGeneratorOptions, generatorOptions, wholeNumber } from './replay';
import { costSummaryLine } from '../../cost/cost-text';
import { PRICE_TABLE_VARIABLE, priceTableFor } from '../../cost/prices';
import { SAMPLE_FILE } from '../../events/sample/sample';
import { parseJobList } from '../../kpis/catalog';
import { localPaths } from '../../local/paths';
import { createAwsRunClients, planAwsRun, runAwsPipeline } from '../../pipeline/aws-run';
import { runLocalPipeline } from '../../pipeline/local-run';
import { formatBytes, createProgressReporter, formatCount, formatDuration, formatRows } from '../../pipeline/progress';
import { RunReport, RunReportFiles, writeRunReport } from '../../pipeline/run-report';
import { EventSource } from '../../pipeline/shared-stages';
import { CLI_INPUT_STYLE, EmrCliOptions, addEmrOptions, emrInputs, givenEmrOptions } from '../emr-options';
import { interrupts } from '../interrupts';
import { commandOutput, formatTable } from '../output';
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

/** Log lines of a failed EMR step shown in the summary; the report has the whole tail. */
const LOG_TAIL_LINES = 20;

function eventSource(o: RunCliOptions): EventSource {
  if (o.file && o.sample) throw new Error('Give either --file or --sample, not both.');
  if (o.file || o.sample) return { kind: 'file', path: o.file ?? SAMPLE_FILE, sendInvalid: o.sendInvalid };
  return { kind: 'generator', options: generatorOptions(o) };
}

function textSummary(report: RunReport, files: RunReportFiles): string {
  const lines: string[] = [];
  for (const table of report.tables ?? []) {
    lines.push(`${table.table} (${formatCount(table.rowCount)} rows; first ${table.rows.length}):`);
    lines.push(formatTable(table.columns, formatRows(table.columns, table.rows)), '');
  }
  if (report.validation) {
    const failed = report.validation.checks.filter((c) => !c.passed);
    lines.push(`validation: ${report.validation.summary.passed}/${report.validation.summary.checks} checks passed on ${report.validation.engine}` +
      (failed.length > 0 ? `; failed: ${failed.map((c) => `${c.table} ${c.check} (observed ${c.observed})`).join(', ')}` : ''), '');
  }
  const short = (text: string) => (text.length > 110 ? `${text.slice(0, 107)}...` : text);
  lines.push(formatTable(['stage', 'status', 'duration', 'summary'], report.stages.map((s) => [s.name, s.status, formatDuration(s.durationMs), short(s.summary)])));
  if (report.target === 'local' && report.reconciliation) {
    const r = report.reconciliation;
    lines.push('', `counts: ${formatCount(r.sent)} sent -> ${formatCount(r.read)} read -> ${formatCount(r.landed)} landed + ${formatCount(r.landingErrors)} errors; ` +
      `${r.rejected === undefined ? '' : `${formatCount(r.rejected)} rejected, `}${formatCount(r.duplicates)} duplicates, ` +
      `${formatCount(r.distinctValidEvents)} distinct valid events -> ${counted(r.kpiEvents)} counted by the KPI tables: ${verdict(r.reconciled)}`);
  }
  if (report.target === 'aws' && report.reconciliation) {
    const r = report.reconciliation;
    lines.push('', `counts: ${formatCount(r.sent)} sent -> Firehose landed ${formatCount(r.landedObjects)} Parquet objects + ${formatCount(r.errorObjects)} error objects ` +
      `(it reports no record counts); ${formatCount(r.distinctValidEvents)} distinct valid events -> ${counted(r.kpiEvents)} counted by the KPI tables: ` +
      `${verdict(r.reconciled)}`);
  }
  if (report.cost) lines.push(costSummaryLine(report.cost));
  if (report.target === 'local') {
    const peak = Object.entries(report.peakMemoryBytes.kpis ?? {}).map(([k, v]) => `${k} ${formatBytes(v)}`).join(', ');
    if (peak) lines.push(`peak memory during kpis: ${peak}`);
  }
  if (report.failure) {
    lines.push('', `${report.outcome.toUpperCase()} at stage ${report.failure.stage}: ${report.failure.message}`);
    if (report.failure.logs?.length) lines.push(`logs: ${report.failure.logs.join(', ')}`);
    const tail = report.target === 'aws' && report.emr?.logs?.found ? report.emr.logs.tails[0] : undefined;
    if (tail) lines.push(`last lines of ${tail.uri}:`, ...tail.lines.slice(-LOG_TAIL_LINES).map((l) => `  ${l}`));
    if (report.failure.hint) lines.push(`try: ${report.failure.hint}`);
  }
  lines.push('', `report: ${files.html} (and ${path.basename(files.markdown)}, ${path.basename(files.json)}); ${formatDuration(report.durationMs)} in all.`);
  if (report.target === 'local' && report.stack.endpoints && !report.stack.stoppedAtEnd) lines.push('The stack is still running; stop it with `npx clickstream down`.');
  return lines.join('\n');
}

/** Options of the other target are mistakes, not no-ops: say so before anything starts. */
function checkTargetOptions(o: RunCliOptions): void {
  if (o.target === 'local') {
    const aws = [
      ...givenEmrOptions(o),
      ...(o.landingTimeoutMinutes !== undefined ? ['--landing-timeout-minutes'] : []),
      ...(o.allowProdReplay ? ['--allow-prod-replay'] : []),
    ];
    if (aws.length > 0) throw new Error(`${aws.join(', ')} ${aws.length === 1 ? 'applies' : 'apply'} only to --target aws; add --target aws, or leave them out for the local run.`);
  } else if (o.keep) {
    throw new Error('--keep applies to the local stack only; the aws target starts no stack (a transient EMR cluster always ends with its steps).');
  }
}

const counted = (n: number | undefined) => (n === undefined ? 'none (event_geo was not run)' : formatCount(n));
const verdict = (reconciled: boolean | undefined) => (reconciled === undefined ? 'not checked' : reconciled ? 'reconciled' : 'NOT RECONCILED');

export function registerRunCommand(program: Command): void {
  const command = addGeneratorOptions(addTargetOptions(program
    .command('run')
    .description(
      'Run the whole pipeline end to end and write a run report. Locally (the default): start the embedded stack (or reuse a running one), ' +
      'replay events into Kinesis, land them as Parquet, compute the five KPI tables with Spark, validate them on Trino; stops what it started ' +
      'unless --keep, and Ctrl-C stops every process the run started. With --target aws: resolve the environment\'s resources from its stack ' +
      'outputs (or BRONZE_BUCKET, ... variables), replay into its Kinesis stream, wait for Firehose to land bronze, run the KPI jobs as EMR steps, ' +
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
  checkTargetOptions(o);
  const config = configFromOptions(o);
  const source = eventSource(o);
  const jobs = parseJobList(o.jobs);
  const prices = priceTableFor(o.priceTable);
  // Every option is checked before anything starts or talks to AWS.
  const aws = o.target === 'aws'
    ? {
      emr: emrInputs(o, { jobs: o.jobs }),
      inputStyle: CLI_INPUT_STYLE,
      source,
      allowProdReplay: o.allowProdReplay,
      landingTimeoutMs: o.landingTimeoutMinutes !== undefined ? o.landingTimeoutMinutes * 60_000 : undefined,
    }
    : undefined;
  const plan = aws ? planAwsRun(aws) : undefined;
  const signal = interrupts.signal(aws
    ? { stopping: 'cancelling the EMR steps and terminating the cluster this run started', secondSignalRisk: 'may leave them running' }
    : { stopping: 'stopping the run and everything it started' });
  const progress = createProgressReporter();
  const report: RunReport = aws && plan
    ? await runAwsPipeline(
      { ...aws, shiftToNow: o.shiftToNow, failOnWarn: o.failOnWarn, prices, signal, progress },
      createAwsRunClients(plan.region),
    )
    : await runLocalPipeline({
      paths: localPaths(),
      names: config.names,
      source,
      jobs,
      shiftToNow: o.shiftToNow,
      keep: o.keep,
      failOnWarn: o.failOnWarn,
      prices,
      signal,
      progress,
    });
  progress.close();
  const files = await writeRunReport(path.resolve(o.reportDir), report);
  out.summary(report, () => textSummary(report, files));
  // A stopped run exits with the signal's code (main.ts sets it); a failed one with 1.
  if (report.outcome === 'failed') process.exitCode = 1;
}
