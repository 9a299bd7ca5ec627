import { Command, Option } from 'commander';
import { TARGETS, Target } from '../../config/config';
import { abortOnSignals } from '../../emr/abort-on-signals';
import { createEmrClients } from '../../emr/clients';
import { renderReportMarkdown } from '../../emr/report';
import { parseEmrRunInputs } from '../../emr/run-inputs';
import { runKpisOnEmr } from '../../emr/run-kpis';
import { parseJobList } from '../../kpis/catalog';
import { windowFromOptions } from '../../kpis/day-window';
import { DEFAULT_KPI_RUN_MODE, KpiRunMode, runKpisLocally } from '../../local/kpi-runner';
import { localPaths } from '../../local/paths';
import { requireRunningStack } from '../../local/stack';
import { CLI_INPUT_STYLE, EmrCliOptions, addEmrOptions, emrInputs } from '../emr-options';
import { commandOutput, formatTable } from '../output';

interface KpisCommandOptions extends EmrCliOptions {
  readonly target: Target;
  readonly fromDate?: string;
  readonly toDate?: string;
  readonly jobs?: string;
  readonly mode: KpiRunMode;
  readonly json: boolean;
}

async function runOnEmr(options: KpisCommandOptions): Promise<void> {
  const out = commandOutput(options.json);
  // Every input is checked before any AWS call.
  const parsed = parseEmrRunInputs(emrInputs(options, options), { runId: `cli-${Date.now()}` }, process.env, CLI_INPUT_STYLE);
  const clients = createEmrClients({ region: parsed.region });
  const abort = abortOnSignals();
  try {
    const report = await runKpisOnEmr(parsed.options, { ...clients, signal: abort.signal, log: out.progress });
    out.summary(report, () => renderReportMarkdown(report));
    if (report.result !== 'completed') process.exitCode = 1;
  } finally {
    abort.dispose();
  }
}

export function registerKpisCommand(program: Command): void {
  addEmrOptions(program
    .command('kpis')
    .description('Compute the five KPI Iceberg tables with Spark: on the local stack (start it with `clickstream up`), or as EMR steps with --target aws. ' +
      'A window (UTC event days) replaces exactly those days; without one everything in bronze is recomputed.')
    .addOption(new Option('--target <target>', 'where to run').choices(TARGETS).default('local'))
    .option('--from-date <YYYY-MM-DD>', 'first UTC event day to compute')
    .option('--to-date <YYYY-MM-DD>', 'last UTC event day to compute (inclusive)')
    .option('--jobs <list>', 'comma-separated jobs: sensor_health, temp_humidity, event_geo, or all', 'all')
    .addOption(new Option('--mode <mode>', 'one Spark application for all jobs, or one submit per job').choices(['single-app', 'per-job']).default(DEFAULT_KPI_RUN_MODE))
    .option('--json', 'print the summary as one JSON object', false), {
    environment: 'whose buckets and database the jobs use',
    scriptsVersion: 'the compute stack\'s ScriptsVersion output',
    roles: 'default EMR_DefaultRole / EMR_EC2_DefaultRole; the compute stack outputs EmrServiceRole and EmrInstanceProfile',
  })
    .action(async (options: KpisCommandOptions) => {
      if (options.target === 'aws') {
        await runOnEmr(options);
        return;
      }
      const out = commandOutput(options.json);
      const window = windowFromOptions(options.fromDate, options.toDate, 'recompute everything');
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
