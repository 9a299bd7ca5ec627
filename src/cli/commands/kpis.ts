import { Command, Option } from 'commander';
import { createEmrClients } from '../../emr/clients';
import { renderReportMarkdown } from '../../emr/report';
import { parseEmrRunInputs } from '../../emr/run-inputs';
import { runKpisOnEmr } from '../../emr/run-kpis';
import { parseJobList } from '../../kpis/catalog';
import { windowFromOptions } from '../../kpis/day-window';
import { DEFAULT_KPI_RUN_MODE, KpiRunMode, KpiRunResult, runKpisLocally } from '../../local/kpi-runner';
import { localPaths } from '../../local/paths';
import { requireRunningStack } from '../../local/stack';
import { formatBytes, formatCount } from '../../pipeline/progress';
import { CLI_INPUT_STYLE, EmrCliOptions, addEmrOptions, emrInputs } from '../emr-options';
import { interrupts } from '../interrupts';
import { commandOutput, formatTable } from '../output';
import { TargetCliOptions, addTargetOptions, configFromOptions } from '../target-options';

interface KpisCommandOptions extends EmrCliOptions, TargetCliOptions {
  readonly fromDate?: string;
  readonly toDate?: string;
  readonly jobs?: string;
  readonly mode: KpiRunMode;
  readonly all: boolean;
  readonly asOf?: string;
  readonly json: boolean;
}

/** The `--as-of` time, checked: an ISO time with a zone, e.g. 2026-11-27T03:30:00Z. */
function parseAsOf(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const at = /(Z|[+-]\d{2}:\d{2})$/.test(value) ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(at.getTime())) throw new Error(`--as-of must be a time with its zone, e.g. 2026-11-27T03:30:00Z, got "${value}".`);
  return at;
}

/** The terminal summary of a local run: what it read, what it recomputed, how long it took. */
export function describeKpiRun(result: KpiRunResult): string {
  const days = result.recomputedDays;
  const recomputed = days.length === 0
    ? 'no event day to recompute (nothing new arrived since the last run)'
    : `recomputed ${days.length} day(s): ${days.length > 8 ? `${days.slice(0, 4).join(', ')}, ..., ${days.slice(-2).join(', ')}` : days.join(', ')}`;
  return [
    formatTable(['script', 'seconds'], result.submits.map((s) => [s.script, s.seconds])),
    `${result.runMode} run: read ${formatCount(result.bronzeObjects)} bronze objects (${formatBytes(result.bronzeBytes)}), ${formatCount(result.rowsRead)} rows: ` +
      `${formatCount(result.rowsRejected)} rejected (rejected_events), ${formatCount(result.duplicates)} duplicates; ${recomputed}`,
    `KPI jobs ${result.jobs.join(', ')} done in ${result.seconds} s (${result.mode}). Spark log: ${result.logFile}`,
    `Run ${result.runId} wrote to the branch ${result.branch}; readers see none of it until it passes \`clickstream validate\` ` +
      `and \`clickstream publish --run ${result.runId}\` fast-forwards main.`,
  ].join('\n');
}

async function runOnEmr(options: KpisCommandOptions): Promise<void> {
  const out = commandOutput(options.json);
  // Every input is checked before any AWS call.
  const parsed = parseEmrRunInputs(emrInputs(options, options), { runId: `cli-${Date.now()}` }, process.env, CLI_INPUT_STYLE);
  const clients = createEmrClients({ region: parsed.region });
  const signal = interrupts.signal({ stopping: 'cancelling the EMR steps and terminating the cluster this run started', secondSignalRisk: 'may leave them running' });
  const report = await runKpisOnEmr(parsed.options, { ...clients, signal, log: out.progress });
  out.summary(report, () => renderReportMarkdown(report));
  if (report.result !== 'completed') process.exitCode = 1;
}

export function registerKpisCommand(program: Command): void {
  addEmrOptions(addTargetOptions(program
    .command('kpis')
    .description('Compute the five KPI Iceberg tables with Spark: on the local stack (start it with `clickstream up`), or as EMR steps with --target aws. ' +
      'Without a window the run is incremental: it recomputes exactly the event days that received arrivals since the last run ' +
      '(the high-water mark is kept in the warehouse, table _kpi_runs), then the all-time tables. A window (UTC event days) recomputes those days ' +
      'from every arrival since the day before it, so backfills and late events are included; --all recomputes every day. ' +
      'Every table is written to the run\'s audit branch (audit_<run id>), not to main: `clickstream validate` checks it and ' +
      '`clickstream publish` fast-forwards main once it passed.')
    .option('--from-date <YYYY-MM-DD>', 'first UTC event day to compute')
    .option('--to-date <YYYY-MM-DD>', 'last UTC event day to compute (inclusive)')
    .option('--jobs <list>', 'comma-separated jobs: sensor_health, temp_humidity, event_geo, or all', 'all')
    .option('--all', 'recompute every day from all of bronze', false)
    .option('--as-of <time>', 'the run\'s time (UTC, e.g. 2026-11-27T03:30:00Z): arrivals after it are not read; for replaying history')
    .addOption(new Option('--mode <mode>', 'one Spark application for all jobs, or one submit per job').choices(['single-app', 'per-job']).default(DEFAULT_KPI_RUN_MODE))
    .option('--json', 'print the summary as one JSON object', false), { environment: 'whose bronze, warehouse and Glue database the jobs use' }), {
    scriptsVersion: 'the compute stack\'s ScriptsVersion output',
    roles: 'default EMR_DefaultRole / EMR_EC2_DefaultRole; the compute stack outputs EmrServiceRole and EmrInstanceProfile',
  })
    .action(async (options: KpisCommandOptions) => {
      if (options.target === 'aws') {
        await runOnEmr(options);
        return;
      }
      const out = commandOutput(options.json);
      const window = windowFromOptions(options.fromDate, options.toDate, 'run incrementally');
      if (window && options.all) throw new Error('--all recomputes every day: leave out --from-date/--to-date, or --all.');
      const asOf = parseAsOf(options.asOf);
      const jobs = parseJobList(options.jobs);
      const { names } = configFromOptions(options);
      const paths = localPaths();
      const endpoints = await requireRunningStack({ paths });
      const signal = interrupts.signal({ stopping: 'cancelling the KPI job (its Spark processes, or its request to the stack\'s warm Spark)' });
      const result = await runKpisLocally({
        paths, awsEndpoint: endpoints.aws, names, window, jobs, mode: options.mode, run: { all: options.all, asOf }, log: out.progress, signal,
      });
      out.summary(result, () => describeKpiRun(result));
    });
}
