import { Command } from 'commander';
import { QUERY_CATALOG } from '../../config/names';
import { formatTable } from '../../format/tables';
import { windowFromOptions } from '../../kpis/day-window';
import { targetFor } from '../../targets/targets';
import { loadExpectations } from '../../validation/expectations';
import { loadRunScope } from '../../validation/run-scope';
import { parseTableList, runValidation } from '../../validation/runner';
import { failingChecks, reportFails, reportJson } from '../../validation/validation-report';
import { writeReportFiles } from '../../validation/validation-report-files';
import { commandOutput } from '../output';
import { TargetCliOptions, addTargetOptions, configFromOptions } from '../target-options';

interface ValidateOptions extends TargetCliOptions {
  readonly fromDate?: string;
  readonly toDate?: string;
  readonly tables?: string;
  readonly manifest?: string;
  readonly run?: string;
  readonly full: boolean;
  readonly failOnWarn: boolean;
  readonly json: boolean;
  readonly reportDir?: string;
}

export function registerValidateCommand(program: Command): void {
  addTargetOptions(program
    .command('validate')
    .description('Check the KPI tables through the target\'s query engine (Trino locally, Athena on AWS): columns, rows per day, keys, grain, value rules, ' +
      'reconciliation with bronze, rejected rows, freshness and, with --manifest, exact expected values. Without a window it checks the latest KPI run ' +
      '(or --run): the days it recomputed, against the landed objects it read, so events that arrived after it never fail it. Exits 1 when an error-level check fails.'), { target: 'where the tables are', environment: 'whose Glue database to check' })
    .option('--from-date <YYYY-MM-DD>', 'first UTC day to check the daily tables for (with --to-date)')
    .option('--to-date <YYYY-MM-DD>', 'last UTC day, inclusive (with --from-date); neither: the manifest\'s days, else every day')
    .option('--tables <list>', 'comma-separated KPI tables, or "all"', 'all')
    .option('--manifest <file>', 'a replay manifest / expectations JSON with the exact values to expect')
    .option('--run <id>', 'the KPI run to check (see _kpi_runs); default: the latest')
    .option('--full', 'also reconcile the all-time tables with all of bronze the run read (reads all of history)', false)
    .option('--fail-on-warn', 'also exit 1 when a warn-level check fails', false)
    .option('--json', 'print the report as one JSON object', false)
    .option('--report-dir <dir>', 'also write validation-report.json and validation-report.md there')
    .addHelpText('after', '\nExamples:\n  $ npx clickstream validate --from-date 2026-11-01 --to-date 2026-11-07\n  $ npx clickstream validate --manifest replay-manifest.json --report-dir out/')
    .action(async (options: ValidateOptions) => {
      const out = commandOutput(options.json);
      const tables = parseTableList(options.tables);
      const expectations = options.manifest ? loadExpectations(options.manifest) : undefined;
      const config = configFromOptions(options);
      const window = windowFromOptions(options.fromDate, options.toDate, 'check the days the latest KPI run recomputed');
      const engine = await targetFor(config.target).queryEngine(config);
      const run = await loadRunScope(engine, QUERY_CATALOG, config.names.glueDatabase, { runId: options.run });
      if (run) out.progress(`validate: run ${run.runId}${run.branch ? ` (unpublished, branch ${run.branch})` : ' (published)'}`);
      const report = await runValidation(engine, {
        tables,
        window,
        expectations,
        run,
        full: options.full,
        failOnWarn: options.failOnWarn,
        database: config.names.glueDatabase,
        rawTable: config.names.rawTable,
        log: out.progress,
      });
      if (options.reportDir) {
        const files = writeReportFiles(options.reportDir, report, { failOnWarn: options.failOnWarn });
        out.progress(`validate: wrote ${files.json} and ${files.markdown}`);
      }
      const failing = reportFails(report, options.failOnWarn);
      if (options.json) {
        process.stdout.write(reportJson(report));
      } else {
        out.summary(report, () => [
          formatTable(['result', 'table', 'check', 'observed', 'expected', 'severity'],
            report.checks.map((c) => [c.passed ? 'pass' : 'FAIL', c.table, c.check, c.observed, c.expected, c.severity])),
          '',
          failing
            ? `FAILED: ${failingChecks(report, options.failOnWarn).map((c) => `${c.table} ${c.check}`).join(', ')}.` +
              (run?.branch ? ` Run ${run.runId} stays on its branch ${run.branch}; main is untouched.` : '')
            : `Passed: ${report.summary.passed}/${report.summary.checks} checks on ${report.engine}, ${report.window.description}` +
              `${report.summary.failedWarnings > 0 ? ` (${report.summary.failedWarnings} warnings)` : ''}.` +
              (run?.branch ? ` Publish it with \`clickstream publish --run ${run.runId}\`.` : ''),
        ].join('\n'));
      }
      if (failing) process.exitCode = 1;
    });
}
