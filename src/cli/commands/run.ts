import * as path from 'node:path';
import { Command } from 'commander';
import { GeneratorCliOptions, addGeneratorOptions, generatorOptions } from './replay';
import { SAMPLE_FILE } from '../../events/sample/sample';
import { parseJobList } from '../../kpis/catalog';
import { localPaths } from '../../local/paths';
import { formatBytes } from '../../local/process-memory';
import { EventSource, LocalRunReport, runLocalPipeline } from '../../pipeline/local-run';
import { createProgressReporter, formatCount, formatDuration } from '../../pipeline/progress';
import { writeRunReport } from '../../pipeline/run-report';
import { commandOutput, formatTable } from '../output';

interface RunCliOptions extends GeneratorCliOptions {
  file?: string;
  sample: boolean;
  sendInvalid: boolean;
  shiftToNow: boolean;
  jobs: string;
  keep: boolean;
  failOnWarn: boolean;
  reportDir: string;
  json: boolean;
}

function eventSource(o: RunCliOptions): EventSource {
  if (o.file && o.sample) throw new Error('Give either --file or --sample, not both.');
  if (o.file || o.sample) return { kind: 'file', path: o.file ?? SAMPLE_FILE, sendInvalid: o.sendInvalid };
  return { kind: 'generator', options: generatorOptions(o) };
}

function textSummary(report: LocalRunReport, files: { json: string; markdown: string }): string {
  const lines: string[] = [];
  for (const table of report.tables ?? []) {
    lines.push(`${table.table} (${formatCount(table.rowCount)} rows; first ${table.rows.length}):`);
    lines.push(formatTable(table.columns, table.rows.map((row) => table.columns.map((c) => row[c]))), '');
  }
  if (report.validation) {
    const failed = report.validation.checks.filter((c) => !c.passed);
    lines.push(`validation: ${report.validation.summary.passed}/${report.validation.summary.checks} checks passed on ${report.validation.engine}` +
      (failed.length > 0 ? `; failed: ${failed.map((c) => `${c.table} ${c.check} (observed ${c.observed})`).join(', ')}` : ''), '');
  }
  const short = (text: string) => (text.length > 110 ? `${text.slice(0, 107)}...` : text);
  lines.push(formatTable(['stage', 'status', 'duration', 'summary'], report.stages.map((s) => [s.name, s.status, formatDuration(s.durationMs), short(s.summary)])));
  if (report.reconciliation) {
    const r = report.reconciliation;
    lines.push('', `counts: ${formatCount(r.sent)} sent -> ${formatCount(r.read)} read -> ${formatCount(r.landed)} landed + ${formatCount(r.landingErrors)} errors; ` +
      `${formatCount(r.distinctValidEvents)} distinct valid events -> ${formatCount(r.kpiEvents)} counted by the KPI tables: ${r.reconciled ? 'reconciled' : 'NOT RECONCILED'}`);
  }
  const peak = Object.entries(report.peakMemoryBytes.kpis ?? {}).map(([k, v]) => `${k} ${formatBytes(v)}`).join(', ');
  if (peak) lines.push(`peak memory during kpis: ${peak}`);
  if (report.failure) {
    lines.push('', `${report.outcome.toUpperCase()} at stage ${report.failure.stage}: ${report.failure.message}`);
    if (report.failure.logs?.length) lines.push(`logs: ${report.failure.logs.join(', ')}`);
    if (report.failure.hint) lines.push(`try: ${report.failure.hint}`);
  }
  lines.push('', `report: ${files.markdown} (and ${path.basename(files.json)}); ${formatDuration(report.durationMs)} in all.`);
  if (report.stack.endpoints && !report.stack.stoppedAtEnd) lines.push('The stack is still running; stop it with `npx clickstream down`.');
  return lines.join('\n');
}

export function registerRunCommand(program: Command): void {
  addGeneratorOptions(program
    .command('run')
    .description(
      'Run the whole pipeline on the embedded stack: start it (or reuse a running one), replay events into Kinesis, land them as Parquet, ' +
      'compute the five KPI tables with Spark, validate them on Trino, and write a run report. Stops what it started unless --keep; ' +
      'Ctrl-C stops every process the run started.',
    ),
  { records: 20_000, duplicateRate: 0.02, malformedRate: 0.01 })
    .option('--file <path>', 'replay a JSON Lines file (.gz allowed) instead of generating events')
    .option('--sample', 'replay the committed sample file', false)
    .option('--send-invalid', 'with --file: also send lines that fail the schema check', false)
    .option('--no-shift-to-now', 'keep the events\' own times (the jobs only find events that arrive within 2 days of their day)')
    .option('--jobs <list>', 'KPI jobs: sensor_health, temp_humidity, event_geo, or all', 'all')
    .option('--keep', 'leave the stack running at the end (when this run started it)', false)
    .option('--fail-on-warn', 'fail the run on warn-level validation checks too', false)
    .option('--report-dir <dir>', 'where run-report.json/.md and validation-report.json/.md go', 'reports')
    .option('--json', 'print the run report as one JSON object', false)
    .addHelpText('after', [
      '',
      'Examples:',
      '  $ npx clickstream run                                   20,000 generated events over 3 days',
      '  $ npx clickstream run --records 1000000 --keep          a bigger run; the stack stays up',
      '  $ npx clickstream run --sample --jobs sensor_health     the committed sample, one job',
    ].join('\n'))
    .action(async (o: RunCliOptions) => {
      const out = commandOutput(o.json);
      const source = eventSource(o);
      const jobs = parseJobList(o.jobs);
      const controller = new AbortController();
      let signals = 0;
      const onSignal = (signal: NodeJS.Signals) => {
        signals += 1;
        if (signals === 1) {
          process.stderr.write(`\n${signal}: stopping the run and everything it started (press Ctrl-C again to exit at once)\n`);
          controller.abort(signal);
        } else {
          process.exit(130);
        }
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const progress = createProgressReporter();
      try {
        const report = await runLocalPipeline({
          paths: localPaths(), source, jobs, shiftToNow: o.shiftToNow, keep: o.keep, failOnWarn: o.failOnWarn, signal: controller.signal, progress,
        });
        progress.close();
        const files = writeRunReport(path.resolve(o.reportDir), report);
        out.summary(report, () => textSummary(report, files));
        if (report.outcome === 'stopped') process.exitCode = controller.signal.reason === 'SIGTERM' ? 143 : 130;
        else if (report.outcome === 'failed') process.exitCode = 1;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
