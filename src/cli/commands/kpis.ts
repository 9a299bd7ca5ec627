import { Command, Option } from 'commander';
import { parseJobList } from '../../kpis/catalog';
import { DayWindow, validateWindow } from '../../kpis/job-arguments';
import { DEFAULT_KPI_RUN_MODE, KpiRunMode, runKpisLocally } from '../../local/kpi-runner';
import { localPaths } from '../../local/paths';
import { requireRunningStack } from '../../local/stack';
import { commandOutput, formatTable } from '../output';

interface KpisCommandOptions {
  readonly fromDate?: string;
  readonly toDate?: string;
  readonly jobs?: string;
  readonly mode: KpiRunMode;
  readonly json: boolean;
}

/** Both ends or neither: a half-open window would silently mean something else. */
export function windowFromOptions(fromDate: string | undefined, toDate: string | undefined): DayWindow | undefined {
  if (fromDate === undefined && toDate === undefined) return undefined;
  if (fromDate === undefined || toDate === undefined) {
    throw new Error('--from-date and --to-date go together: give both (UTC days, inclusive), or neither to recompute everything.');
  }
  return validateWindow({ fromDate, toDate });
}

export function registerKpisCommand(program: Command): void {
  program
    .command('kpis')
    .description('Compute the five KPI Iceberg tables with Spark on the local stack (start it with `clickstream up`). A window (UTC event days) replaces exactly those days; without one everything in bronze is recomputed.')
    .option('--from-date <YYYY-MM-DD>', 'first UTC event day to compute')
    .option('--to-date <YYYY-MM-DD>', 'last UTC event day to compute (inclusive)')
    .option('--jobs <list>', 'comma-separated jobs: sensor_health, temp_humidity, event_geo, or all', 'all')
    .addOption(new Option('--mode <mode>', 'one Spark application for all jobs, or one submit per job').choices(['single-app', 'per-job']).default(DEFAULT_KPI_RUN_MODE))
    .option('--json', 'print the summary as one JSON object', false)
    .action(async (options: KpisCommandOptions) => {
      const out = commandOutput(options.json);
      const window = windowFromOptions(options.fromDate, options.toDate);
      const jobs = parseJobList(options.jobs);
      const paths = localPaths();
      const endpoints = await requireRunningStack({ paths });
      const result = await runKpisLocally({ paths, awsEndpoint: endpoints.aws, window, jobs, mode: options.mode, log: out.progress });
      out.summary(result, () => [
        formatTable(['script', 'seconds'], result.submits.map((s) => [s.script, s.seconds])),
        `KPI jobs ${result.jobs.join(', ')} done in ${result.seconds} s (${result.mode}). Spark log: ${result.logFile}`,
      ].join('\n'));
    });
}
