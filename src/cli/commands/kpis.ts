import { Command, Option } from 'commander';
import { TARGETS, Target } from '../../config/config';
import { abortOnSignals } from '../../emr/abort-on-signals';
import { createEmrClients } from '../../emr/clients';
import { renderReportMarkdown } from '../../emr/report';
import { EmrRunInputName, EmrRunInputs, parseEmrRunInputs } from '../../emr/run-inputs';
import { runKpisOnEmr } from '../../emr/run-kpis';
import { parseJobList } from '../../kpis/catalog';
import { DayWindow, validateWindow } from '../../kpis/job-arguments';
import { DEFAULT_KPI_RUN_MODE, KpiRunMode, runKpisLocally } from '../../local/kpi-runner';
import { localPaths } from '../../local/paths';
import { requireRunningStack } from '../../local/stack';
import { commandOutput, formatTable } from '../output';

interface KpisCommandOptions {
  readonly target: Target;
  readonly fromDate?: string;
  readonly toDate?: string;
  readonly jobs?: string;
  readonly mode: KpiRunMode;
  readonly json: boolean;
  readonly environment?: string;
  readonly region?: string;
  readonly accountId?: string;
  readonly scriptsVersion?: string;
  readonly clusterId?: string;
  readonly instanceType?: string;
  readonly coreNodes?: string;
  readonly spot: boolean;
  readonly serviceRole?: string;
  readonly instanceProfile?: string;
  readonly timeoutMinutes?: string;
}

/** The EMR runner's inputs from the command line: the same names and validation as the run-emr-kpis action. */
function emrInputs(options: KpisCommandOptions): EmrRunInputs {
  const inputs: Partial<Record<EmrRunInputName, string>> = {
    'mode': options.clusterId ? 'existing' : 'transient',
    'cluster-id': options.clusterId,
    'environment': options.environment,
    'account-id': options.accountId,
    'region': options.region,
    'instance-type': options.instanceType,
    'core-instance-count': options.coreNodes,
    'use-spot': String(options.spot),
    'service-role': options.serviceRole,
    'instance-profile': options.instanceProfile,
    'jobs': options.jobs,
    'from-date': options.fromDate,
    'to-date': options.toDate,
    'scripts-version': options.scriptsVersion,
    'timeout-minutes': options.timeoutMinutes,
  };
  return inputs;
}

async function runOnEmr(options: KpisCommandOptions): Promise<void> {
  const out = commandOutput(options.json);
  // Every input is checked before any AWS call.
  const parsed = parseEmrRunInputs(emrInputs(options), { runId: `cli-${Date.now()}` });
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
    .description('Compute the five KPI Iceberg tables with Spark: on the local stack (start it with `clickstream up`), or as EMR steps with --target aws. ' +
      'A window (UTC event days) replaces exactly those days; without one everything in bronze is recomputed.')
    .addOption(new Option('--target <target>', 'where to run').choices(TARGETS).default('local'))
    .option('--from-date <YYYY-MM-DD>', 'first UTC event day to compute')
    .option('--to-date <YYYY-MM-DD>', 'last UTC event day to compute (inclusive)')
    .option('--jobs <list>', 'comma-separated jobs: sensor_health, temp_humidity, event_geo, or all', 'all')
    .addOption(new Option('--mode <mode>', 'one Spark application for all jobs, or one submit per job').choices(['single-app', 'per-job']).default(DEFAULT_KPI_RUN_MODE))
    .option('--json', 'print the summary as one JSON object', false)
    .option('--environment <env>', 'aws: environment whose buckets and database the jobs use (dev, staging, prod)')
    .option('--region <region>', 'aws: AWS region (default AWS_REGION)')
    .option('--account-id <id>', 'aws: account id (bucket names end with it; or set BRONZE_BUCKET, ICEBERG_BUCKET, SCRIPTS_BUCKET, LOGS_BUCKET)')
    .option('--scripts-version <v>', 'aws: published scripts version (the compute stack\'s ScriptsVersion output)')
    .option('--cluster-id <id>', 'aws: add steps to this running cluster instead of starting a transient one')
    .option('--instance-type <type>', 'aws: EC2 type of a transient cluster (default m5.xlarge)')
    .option('--core-nodes <n>', 'aws: core nodes of a transient cluster (default 2)')
    .option('--spot', 'aws: buy core nodes on the spot market', false)
    .option('--service-role <name>', 'aws: EMR service role (the compute stack\'s EmrServiceRole output)')
    .option('--instance-profile <name>', 'aws: EC2 instance profile (the compute stack\'s EmrInstanceProfile output)')
    .option('--timeout-minutes <n>', 'aws: cancel the steps (and terminate a transient cluster) after this long (default 60)')
    .action(async (options: KpisCommandOptions) => {
      if (options.target === 'aws') {
        await runOnEmr(options);
        return;
      }
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
